"""The one outbound HTTP client: every request rewardkit makes to someone else's server goes through it.

Today: webhook deliveries (``webhooks/tasks.py``) and the ``http`` supplier adapter; later SMS providers,
JWKS fetches and vendor adapters. What it guarantees, whatever the caller:

* **timeouts, always**: ``Policy.timeout`` bounds every phase (connect, write, read, pool) *and* the
  request as a whole (DNS, headers and body included), so a server dripping a byte at a time cannot
  hold a worker;
* **a cap on the response body** (``Policy.max_response_bytes``): ``request`` raises
  ``ResponseTooLarge`` past it, ``post_guarded`` keeps an excerpt of that length; no compression is
  asked for, so the cap is on what crosses the wire;
* **redirects are never followed**: a 3xx is returned like any other answer;
* **no ambient credentials**: requests are built explicitly, the clients keep no default auth, and
  their cookie jars accept no cookie;
* **the address rules of ``kit/ssrf.py``** on every URL, and with ``Policy.pin_addresses`` (the
  default) the guarded path: resolve the name, refuse if *any* address is not allowed, connect to the
  checked address with the real name in ``Host`` and TLS SNI, so a second DNS answer (rebinding) is
  never used.

Connections are pooled: one client per kind (guarded, trusted) and event loop, shared by every caller
of this ``Outbound``. One instance per process is enough; whoever creates it calls ``aclose()``.

A ``Policy`` says what one caller may reach:

* customer-supplied URLs (webhook endpoints): ``pin_addresses=True``, ``allow_private`` only for test
  mode when the operator enabled it, ``https_only`` for live mode;
* operator-configured destinations (a supplier's ``base_url``): ``pin_addresses=False,
  allow_private=True`` by default: the operator chose the host, the vendor may well live on a private
  network, and connections stay pooled by name (a pinned https request needs a connection of its own).
  The URL is still checked (metadata names, link-local and other never-allowed literal addresses are
  refused), and timeouts, the size cap and no-redirects apply the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import httpx

from rewardkit.kit import ssrf
from rewardkit.kit.ssrf import SafeResponse, UnsafeDestination

__all__ = ["Outbound", "Policy", "ResponseTooLarge", "SafeResponse", "UnsafeDestination"]

DEFAULT_MAX_RESPONSE_BYTES = 1 << 20  # 1 MiB: more than any JSON answer we expect


class ResponseTooLarge(httpx.HTTPError):
    """The response body is larger than the policy allows (nothing past the cap was read)."""


@dataclass(frozen=True)
class Policy:
    """What one caller may reach, and how long and how much it may read."""

    timeout: float  # seconds, the whole request (resolution, connection, headers, body) and every phase
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    allow_private: bool = False  # loopback, RFC 1918, unique-local, 100.64/10; never link-local or metadata
    https_only: bool = False
    pin_addresses: bool = True  # resolve, check every address, connect to the checked one

    def __post_init__(self) -> None:
        if not self.timeout or self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if self.max_response_bytes < 0:
            raise ValueError("max_response_bytes must not be negative")


def _refuse_cookies() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class Outbound:
    """Pooled httpx clients behind the guarantees above. Not bound to a loop until first used."""

    def __init__(
        self,
        *,
        max_connections: int = 200,
        max_keepalive_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: Any = True,
    ) -> None:
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_keepalive_connections
        )
        self._transport = transport  # tests: a mock or loopback transport for the trusted path
        self._verify = verify
        self._clients: dict[str, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}
        self._closed = False

    def _client(self, kind: str) -> httpx.AsyncClient:
        """One pooled client per kind and event loop (a pool's connections belong to the loop that opened them)."""
        if self._closed:
            raise RuntimeError("this Outbound is closed")
        loop = asyncio.get_running_loop()
        found = self._clients.get(kind)
        if found is not None and found[0] is loop and not found[1].is_closed:
            return found[1]
        client = httpx.AsyncClient(
            follow_redirects=False,
            limits=self._limits,
            cookies=_refuse_cookies(),
            verify=self._verify,
            transport=self._transport if kind == "trusted" else None,
            # No compression: the size cap is on what crosses the wire, and no gzip bomb inflates past it.
            headers={"accept-encoding": "identity"},
        )
        self._clients[kind] = (loop, client)
        return client

    async def aclose(self) -> None:
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        for _loop, client in clients:
            with contextlib.suppress(RuntimeError):  # a client of a loop that has gone away
                await client.aclose()

    # --- the guarded POST of webhook deliveries ----------------------------------------------------

    async def post_guarded(self, policy: Policy, url: str, *, content: bytes, headers: dict[str, str]) -> SafeResponse:
        """POST to a customer-supplied URL: always pinned; any answer is returned with an excerpt of at most
        ``max_response_bytes``; a slow body only shortens the excerpt (ssrf.safe_post)."""
        return await ssrf.safe_post(
            self._client("guarded"),
            url,
            content=content,
            headers=headers,
            timeout=policy.timeout,
            live=policy.https_only,
            allow_private=policy.allow_private,
            max_response_bytes=policy.max_response_bytes,
        )

    # --- a request whose whole (capped) body the caller needs ----------------------------------------

    async def request(
        self,
        policy: Policy,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Any method; returns the answer (any status) with its body read, at most ``max_response_bytes``.

        Raises UnsafeDestination (refused before anything was sent), ResponseTooLarge, or httpx errors
        (httpx.TimeoutException past ``policy.timeout`` for the whole request).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.timeout
        parsed = ssrf.check_url(url, live=policy.https_only, allow_private=policy.allow_private)
        if policy.pin_addresses:
            if json is not None:
                content = httpx.Request(method, url, json=json).content
                headers = {"content-type": "application/json", **(headers or {})}
            response = await ssrf.guarded_send(
                self._client("guarded"),
                method,
                url,
                content=content or b"",
                headers={"accept-encoding": "identity", **(headers or {})},
                timeout=policy.timeout,
                deadline=deadline,
                live=policy.https_only,
                allow_private=policy.allow_private,
            )
        else:
            client = self._client("trusted")
            req = client.build_request(method, parsed.url, headers=headers, json=json, content=content,
                                       timeout=policy.timeout)  # fmt: skip
            attempt = asyncio.timeout_at(deadline)
            try:
                async with attempt:
                    response = await client.send(req, stream=True, follow_redirects=False, auth=None)
            except TimeoutError as exc:
                if not attempt.expired():
                    raise
                raise ssrf.timed_out(parsed, policy.timeout, method) from exc
        try:
            body = await self._read_capped(response, policy, deadline, parsed)
        finally:
            await response.aclose()
        headers_out = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        return httpx.Response(
            response.status_code,
            headers=headers_out,
            content=body,
            request=response.request,
            extensions={"http_version": response.extensions.get("http_version", b"HTTP/1.1")},
        )

    @staticmethod
    async def _read_capped(response: httpx.Response, policy: Policy, deadline: float, parsed: ssrf.ParsedURL) -> bytes:
        cap = policy.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"{parsed.host_header} answered {declared} bytes, more than {cap}")
        body = bytearray()
        attempt = asyncio.timeout_at(deadline)
        try:
            async with attempt, contextlib.aclosing(_chunks(response)) as chunks:
                async for chunk in chunks:  # decoded, should a server compress unasked: the cap is on that too
                    body += chunk
                    if len(body) > cap:
                        raise ResponseTooLarge(f"{parsed.host_header} answered more than {cap} bytes")
        except TimeoutError as exc:
            if not attempt.expired():
                raise
            raise ssrf.timed_out(parsed, policy.timeout, response.request.method) from exc
        return bytes(body)


def _chunks(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    return cast(AsyncGenerator[bytes, None], response.aiter_bytes())
