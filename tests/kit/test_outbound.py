"""kit.outbound.Outbound against a real HTTP server on 127.0.0.1: timeouts, the size cap, no redirects,
refused addresses, pooling and no ambient credentials. No mock of httpx anywhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from rewardkit.kit.outbound import Outbound, Policy, ResponseTooLarge, UnsafeDestination
from tests.rawhttp import RawServer


class Server(RawServer):
    """HTTP/1.1 keep-alive server; behaviour by path. Records requests and connections."""

    keep_alive = True

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _record(
        self, method: str, target: str, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> None:
        self.requests.append((method, target, headers, body))

    async def _respond(self, target: str, writer: asyncio.StreamWriter) -> None:
        def head(status: str, *lines: str) -> bytes:
            return ("\r\n".join([f"HTTP/1.1 {status}", *lines]) + "\r\n\r\n").encode()

        if target == "/json":
            body = b'{"ok": true}'
            writer.write(head("200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}",
                              "Set-Cookie: session=secret; Path=/") + body)  # fmt: skip
        elif target == "/redirect":
            writer.write(head("302 Found", f"Location: http://127.0.0.1:{self.port}/stolen", "Content-Length: 0"))
        elif target == "/big-declared":
            writer.write(head("200 OK", "Content-Length: 2000000"))
            writer.write(b"x" * 65536)
        elif target == "/big-chunked":  # no Content-Length: only counting tells
            writer.write(head("200 OK", "Transfer-Encoding: chunked"))
            for _ in range(40):
                writer.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
        elif target == "/drip-head":  # each byte keeps the per-read timeout at bay; only the whole deadline helps
            for byte in head("200 OK", "Content-Length: 0", "X-Padding: " + "z" * 200):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.05)
        elif target == "/drip-body":
            writer.write(head("200 OK", "Content-Length: 1000"))
            for _ in range(1000):
                writer.write(b"y")
                await writer.drain()
                await asyncio.sleep(0.05)
        else:
            writer.write(head("404 Not Found", "Content-Length: 0"))
        await writer.drain()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    s = Server()
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def out() -> AsyncIterator[Outbound]:
    o = Outbound()
    yield o
    await o.aclose()


TRUSTED = Policy(timeout=2, allow_private=True, pin_addresses=False)
PINNED = Policy(timeout=2, allow_private=True)


@pytest.mark.parametrize("policy", [TRUSTED, PINNED], ids=["trusted", "pinned"])
async def test_request_reads_the_answer_and_keeps_no_cookies(server: Server, out: Outbound, policy: Policy) -> None:
    for _ in range(2):
        r = await out.request(policy, "POST", server.url("/json"), json={"a": 1}, headers={"X-Test": "1"})
        assert r.status_code == 200 and r.json() == {"ok": True}
    first, second = server.requests
    assert first[0] == "POST" and first[3] == b'{"a":1}' and first[2]["x-test"] == "1"
    assert first[2]["accept-encoding"] == "identity"
    assert "cookie" not in second[2]  # the Set-Cookie of the first answer is not sent back
    assert "authorization" not in second[2]


async def test_trusted_requests_share_a_pooled_connection(server: Server, out: Outbound) -> None:
    for _ in range(5):
        assert (await out.request(TRUSTED, "GET", server.url("/json"))).status_code == 200
    assert server.connections == 1


@pytest.mark.parametrize("policy", [TRUSTED, PINNED], ids=["trusted", "pinned"])
async def test_redirects_are_never_followed(server: Server, out: Outbound, policy: Policy) -> None:
    r = await out.request(policy, "GET", server.url("/redirect"))
    assert r.status_code == 302 and r.headers["location"].endswith("/stolen")
    g = await out.post_guarded(PINNED, server.url("/redirect"), content=b"{}", headers={})
    assert g.status_code == 302
    assert [t for _m, t, _h, _b in server.requests] == ["/redirect", "/redirect"]


@pytest.mark.parametrize("policy", [TRUSTED, PINNED], ids=["trusted", "pinned"])
@pytest.mark.parametrize("path", ["/big-declared", "/big-chunked"])
async def test_the_body_is_capped(server: Server, out: Outbound, policy: Policy, path: str) -> None:
    small = Policy(timeout=5, max_response_bytes=100_000, allow_private=True, pin_addresses=policy.pin_addresses)
    with pytest.raises(ResponseTooLarge):
        await out.request(small, "GET", server.url(path))
    g = await out.post_guarded(Policy(timeout=5, max_response_bytes=10, allow_private=True), server.url(path),
                               content=b"", headers={})  # fmt: skip
    assert g.status_code == 200 and g.body_excerpt == "x" * 10


@pytest.mark.parametrize("policy", [TRUSTED, PINNED], ids=["trusted", "pinned"])
@pytest.mark.parametrize("path", ["/drip-head", "/drip-body"])
async def test_the_timeout_bounds_the_whole_request(server: Server, out: Outbound, policy: Policy, path: str) -> None:
    quick = Policy(timeout=0.4, allow_private=True, pin_addresses=policy.pin_addresses)
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException, match="took longer than 0.4s"):
        await out.request(quick, "GET", server.url(path))
    assert time.monotonic() - started < 1.5


async def test_refused_addresses_send_nothing(server: Server, out: Outbound) -> None:
    strict = Policy(timeout=2)
    for url in (server.url("/json"), server.url("/json", "localhost"), server.url("/json", "[::ffff:127.0.0.1]")):
        with pytest.raises(UnsafeDestination):
            await out.request(strict, "GET", url)
        with pytest.raises(UnsafeDestination):
            await out.post_guarded(strict, url, content=b"{}", headers={})
    for never in ("http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/", "http://[fe80::1]/"):
        for policy in (TRUSTED, PINNED):  # allow_private never opens link-local or metadata
            with pytest.raises(UnsafeDestination):
                await out.request(policy, "GET", never)
    with pytest.raises(UnsafeDestination, match="https"):
        await out.request(Policy(timeout=2, https_only=True, allow_private=True), "GET", server.url("/json"))
    assert server.requests == []


async def test_policy_requires_a_timeout_and_aclose_closes() -> None:
    with pytest.raises(ValueError):
        Policy(timeout=0)
    with pytest.raises(ValueError):
        Policy(timeout=1, max_response_bytes=-1)
    o = Outbound()
    await o.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await o.request(TRUSTED, "GET", "http://127.0.0.1:9/")
