"""Two real API processes share one key's limit through Redis (REWARDKIT_REDIS_URL).

Needs the Redis at REWARDKIT_TEST_REDIS_URL (default redis://127.0.0.1:6379/1). Without one the test
is skipped and says so, unless REWARDKIT_REQUIRE_REDIS=1 (CI: .ci/run), where it fails."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from rewardkit.config import Settings
from rewardkit.kit.ratelimit import RateLimiter
from tests.conftest import MakeOrg

REDIS_URL = os.environ.get("REWARDKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
LIMIT = 7


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this run's own (parallel runs share the server), removed afterwards."""
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        reason = f"no Redis at {REDIS_URL} ({type(exc).__name__}); set REWARDKIT_TEST_REDIS_URL to run it"
        if os.environ.get("REWARDKIT_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required here (REWARDKIT_REQUIRE_REDIS=1): {reason}")
        pytest.skip(reason)
    prefix = f"rktest-{secrets.token_hex(6)}"
    yield prefix
    async for key in client.scan_iter(match=f"{prefix}:*"):
        await client.delete(key)
    await client.aclose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def two_servers(settings: Settings, redis_prefix: str) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "REWARDKIT_DATABASE_URL": settings.database_url,
        "REWARDKIT_SECRET_KEYS": settings.secret_keys,
        "REWARDKIT_RUN_WORKER": "false",
        "REWARDKIT_API_KEY_CACHE_SECONDS": "0",
        "REWARDKIT_REDIS_URL": REDIS_URL,
        "REWARDKIT_REDIS_KEY_PREFIX": redis_prefix,
        "REWARDKIT_RATE_LIMIT_TEST": f"{LIMIT}/hour",  # the window starts at the first request: no edge mid-test
        "REWARDKIT_AUTH_FAILURE_LIMIT": "3/hour",
        "REWARDKIT_LOG_LEVEL": "warning",
    }
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "rewardkit.cli", "serve-process", "--host", "127.0.0.1", "--port", str(p)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for p in ports
    ]
    try:
        yield [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


async def _up(c: httpx.AsyncClient, base: str) -> None:
    for _ in range(300):  # each process imports the app and starts: a few seconds on a busy machine
        try:
            if (await c.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{base} did not start")


async def test_two_processes_share_one_keys_limit_through_redis(two_servers: list[str], make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    async with httpx.AsyncClient(timeout=10) as c:
        for base in two_servers:
            await _up(c, base)
        # HEAD through a real server (uvicorn sends the GET's Content-Length and no body).
        got, head = await c.get(f"{two_servers[0]}/healthz"), await c.head(f"{two_servers[0]}/healthz")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"]
        remaining = []
        for i in range(LIMIT):  # alternating: each process alone has seen only about half
            r = await c.get(f"{two_servers[i % 2]}/v1/balances", headers=org.h())
            assert r.status_code == 200, r.text
            assert r.headers["ratelimit-limit"] == str(LIMIT)
            remaining.append(int(r.headers["ratelimit-remaining"]))
        assert remaining == list(range(LIMIT - 1, -1, -1))
        for base in two_servers:  # the combined count is over the limit in both processes
            r = await c.get(f"{base}/v1/balances", headers=org.h())
            assert r.status_code == 429 and r.json()["code"] == "rate_limited"
            assert int(r.headers["retry-after"]) >= 1

        # Failed authentications from this address add up across the processes too.
        for i in range(3):
            r = await c.get(f"{two_servers[i % 2]}/v1/balances", headers={"Authorization": "Bearer sk_test_nope"})
            assert r.status_code == 401
        for base in two_servers:
            r = await c.get(f"{base}/v1/balances", headers={"Authorization": "Bearer sk_test_nope"})
            assert r.status_code == 429 and r.json()["code"] == "too_many_auth_failures"


async def test_a_redis_that_does_not_answer_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    """Production without its Redis: requests go on, unlimited and without RateLimit-* headers, and the
    outage is logged once, not per request."""
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    limiter = RateLimiter(per_mode={"test": "1/hour"}, auth_failures="1/hour", redis_url=dead)
    try:
        with caplog.at_level("WARNING", logger="rewardkit"):
            assert await limiter.hit("test", "key_1") is None
            assert await limiter.auth_blocked("203.0.113.1") is None
            await limiter.auth_failed("203.0.113.1")
            assert await limiter.hit("test", "key_1") is None
        warned = [r.getMessage() for r in caplog.records if "Redis does not answer" in r.getMessage()]
        assert len(warned) == 1, warned
        assert warned[0].endswith("requests are not limited until it does")
    finally:
        await limiter.aclose()
