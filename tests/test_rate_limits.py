"""Rate limits in one process (in-memory counters): per API key with the RateLimit-* headers, 429
rate_limited with Retry-After, and the failed-authentication limit per client address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.kit.ratelimit import RateLimiter
from tests.conftest import MakeOrg, order_body

# The limits start with the first request counted, so a window of an hour never ends mid-test.
SMALL = {"rate_limit_test": "5/hour", "rate_limit_live": "3/hour", "auth_failure_limit": "4/hour"}


@asynccontextmanager
async def app_with(settings: Settings, **over: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """An app of its own (its own limiter) on the suite's database, with clients from two addresses."""
    application = create_app(settings.model_copy(update=over))
    async with LifespanManager(application):
        clients = {
            addr: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application, client=(addr, 50000)), base_url="http://testserver"
            )
            for addr in ("203.0.113.7", "198.51.100.9")
        }
        try:
            yield clients
        finally:
            for c in clients.values():
                await c.aclose()


def _problem(r: httpx.Response, code: str) -> dict[str, Any]:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == 429
    return body


async def test_every_authenticated_response_says_where_the_key_stands(settings: Settings, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    async with app_with(settings, **SMALL) as clients:
        c = clients["203.0.113.7"]
        seen = []
        for path in ("/v1/balances", "/v1/orders", "/v1/orders/ord_nope"):  # a 404 counts and says so too
            r = await c.get(path, headers=org.h())
            assert r.headers["ratelimit-limit"] == "5"
            assert r.headers["ratelimit-policy"] == "5;w=3600"
            assert 1 <= int(r.headers["ratelimit-reset"]) <= 3600
            seen.append(int(r.headers["ratelimit-remaining"]))
        assert seen == [4, 3, 2]
        # No credential, no quota: nothing to count against.
        r = await c.get("/v1/balances")
        assert r.status_code == 401 and "ratelimit-limit" not in r.headers
        assert "ratelimit-limit" not in (await c.get("/healthz")).headers


async def test_a_key_over_its_limit_gets_429_with_retry_after_and_other_keys_do_not(
    settings: Settings, make_org: MakeOrg
) -> None:
    a, b = await make_org(USD="100.00"), await make_org(USD="100.00")
    async with app_with(settings, **SMALL) as clients:
        c = clients["203.0.113.7"]
        for _ in range(5):
            assert (await c.get("/v1/balances", headers=a.h())).status_code == 200
        r = await c.get("/v1/balances", headers=a.h())
        body = _problem(r, "rate_limited")
        assert "5 requests per 3600 s" in body["detail"]
        assert 1 <= int(r.headers["retry-after"]) <= 3600
        assert r.headers["ratelimit-remaining"] == "0"
        # A write is refused before it does anything: no order, no money moved.
        r = await c.post("/v1/orders", json=order_body(), headers=a.h(**{"Idempotency-Key": "rl-1"}))
        _problem(r, "rate_limited")
        balances = (await clients["198.51.100.9"].get("/v1/balances", headers=b.h())).json()
        assert balances["data"]  # b's own quota is untouched, from any address
        # The live key of the same org is another credential with the live limit.
        r = await c.get("/v1/balances", headers=a.h("live"))
        assert r.status_code == 200 and r.headers["ratelimit-limit"] == "3"
    # a's order was never booked (a fresh app has fresh counters).
    async with app_with(settings) as clients:
        assert (await clients["203.0.113.7"].get("/v1/orders", headers=a.h())).json()["data"] == []


async def test_failed_authentications_block_the_address_even_for_a_valid_key(
    settings: Settings, make_org: MakeOrg
) -> None:
    org = await make_org(USD="10.00")
    async with app_with(settings, **SMALL) as clients:
        attacker, other = clients["203.0.113.7"], clients["198.51.100.9"]
        # A missing credential is not a failed guess: it does not count.
        for _ in range(6):
            assert (await attacker.get("/v1/balances")).status_code == 401
        for i in range(4):
            r = await attacker.get("/v1/balances", headers={"Authorization": f"Bearer sk_test_wrong{i}"})
            assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"
        r = await attacker.get("/v1/balances", headers={"Authorization": "Bearer sk_test_wrong9"})
        _problem(r, "too_many_auth_failures")
        assert 1 <= int(r.headers["retry-after"]) <= 3600
        # Refused before the key is looked at: a right guess teaches nothing.
        _problem(await attacker.get("/v1/balances", headers=org.h()), "too_many_auth_failures")
        _problem(await attacker.get("/v1/session", headers={"Authorization": "Bearer mss_x"}), "too_many_auth_failures")
        # Another address is not affected.
        assert (await other.get("/v1/balances", headers=org.h())).status_code == 200


async def test_invalid_sessions_count_as_failures(settings: Settings) -> None:
    async with app_with(settings, **SMALL) as clients:
        c = clients["203.0.113.7"]
        for _ in range(4):
            r = await c.get("/v1/session", headers={"Authorization": "Bearer mss_" + "n" * 30})
            assert r.status_code == 401 and r.json()["code"] == "invalid_session"
        _problem(await c.get("/v1/session", headers={"Authorization": "Bearer mss_x"}), "too_many_auth_failures")


async def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(settings: Settings, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    wrong = {"Authorization": "Bearer sk_test_wrong"}
    async with app_with(settings, **SMALL) as clients:
        c = clients["203.0.113.7"]
        # A client cannot dodge the limit by naming a new address in each request.
        for i in range(4):
            await c.get("/v1/balances", headers={**wrong, "X-Forwarded-For": f"192.0.2.{i}"})
        _problem(
            await c.get("/v1/balances", headers={**org.h(), "X-Forwarded-For": "192.0.2.99"}), "too_many_auth_failures"
        )
    async with app_with(settings, forwarded_allow_ips="203.0.113.7", **SMALL) as clients:
        proxy = clients["203.0.113.7"]
        for _ in range(4):
            await proxy.get("/v1/balances", headers={**wrong, "X-Forwarded-For": "192.0.2.1"})
        _problem(
            await proxy.get("/v1/balances", headers={**org.h(), "X-Forwarded-For": "192.0.2.1"}),
            "too_many_auth_failures",
        )
        # Behind the trusted proxy, other clients are other addresses.
        r = await proxy.get("/v1/balances", headers={**org.h(), "X-Forwarded-For": "192.0.2.2"})
        assert r.status_code == 200


async def test_limits_off_means_no_headers_and_no_429(settings: Settings, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    async with app_with(settings, rate_limits=False, **SMALL) as clients:
        c = clients["203.0.113.7"]
        for _ in range(7):
            r = await c.get("/v1/balances", headers=org.h())
            assert r.status_code == 200 and "ratelimit-limit" not in r.headers


async def test_the_defaults_let_a_burst_of_sandbox_orders_through(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """The suite's app runs with the default per-key limits: 150 orders at once on one key all pass."""
    org = await make_org(USD="10000.00")
    rs = await asyncio.gather(
        *(client.post("/v1/orders", json=order_body(denomination=10), headers=org.h()) for _ in range(150))
    )
    assert sorted({r.status_code for r in rs}) == [200]
    assert int(rs[-1].headers["ratelimit-limit"]) == 2000


async def test_the_default_limit_is_hundreds_per_second_per_key() -> None:
    limiter = RateLimiter.from_settings(Settings())
    quotas = [await limiter.hit("test", "key_burst") for _ in range(1000)]
    assert all(q is not None and q.allowed for q in quotas)


def test_memory_windows_count_like_limits_fixed_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process counter keeps `limits`' fixed-window semantics without its expiry thread."""
    from limits import parse

    from rewardkit.kit import ratelimit

    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    w, item = ratelimit.MemoryWindows(), parse("2/second")
    assert w.test(item, "k") and w.get_window_stats(item, "k") == (1000.0, 2)
    assert w.hit(item, "k") and w.hit(item, "k")
    assert not w.test(item, "k") and w.get_window_stats(item, "k") == (1001.0, 0)
    assert not w.hit(item, "k")  # over the limit, and still counted
    assert w.hit(item, "other")  # keys are apart
    now[0] = 1001.0  # the window that began with the first hit is over
    assert w.test(item, "k") and w.hit(item, "k") and w.get_window_stats(item, "k") == (1002.0, 1)
