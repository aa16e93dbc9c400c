"""The destination guard for outbound HTTP: a URL someone else supplied must not reach our own network.

Moved here from webhooks/ so every outbound caller (webhooks, the http supplier, later SMS providers,
JWKS fetches, vendor adapters) shares one set of address rules; ``kit.outbound.Outbound`` is the client
built on them.

Three layers, all needed:

* ``check_url`` — syntax, when an endpoint is created (and again before every delivery): scheme, no
  credentials, a sane host and port, and no obviously unsafe literal address or metadata host name.
* ``resolve_safe`` — at delivery time, resolve the name and refuse if ANY address is not public. Every
  address is checked, not just the first, so a name cannot hide 127.0.0.1 behind a public record.
* ``safe_post`` — connects to the address that was checked (the URL's host is rewritten to the IP, the
  ``Host`` header and TLS SNI keep the real name), so a second DNS answer (rebinding) is never used.
  Redirects are never followed, the body read is capped, and one deadline bounds the whole attempt.

``allow_private`` is the test-mode convenience for receivers on localhost or a private network: it lets
loopback, RFC 1918 / unique-local and shared (100.64/10) addresses through, never link-local (where cloud
metadata lives), metadata addresses and names, unspecified, multicast or reserved addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, cast

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048

# Cloud metadata services by name: refused whatever they resolve to, in every mode.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)

# Refused in every mode (link-local, which holds 169.254.169.254 and fe80::, is refused by category).
_ALWAYS_REFUSED: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.ip_network("100.100.100.200/32"), "a cloud metadata address"),
    (ipaddress.ip_network("fd00:ec2::254/128"), "a cloud metadata address"),
    (ipaddress.ip_network("168.63.129.16/32"), "a cloud host-service address"),
)

# Refused unless allow_private: where a developer's own receiver may live.
_PRIVATE: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.ip_network("10.0.0.0/8"), "a private address"),
    (ipaddress.ip_network("172.16.0.0/12"), "a private address"),
    (ipaddress.ip_network("192.168.0.0/16"), "a private address"),
    (ipaddress.ip_network("fc00::/7"), "a private (unique local) address"),
    (ipaddress.ip_network("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
)

_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_TEREDO = ipaddress.ip_network("2001::/32")

_HOSTNAME = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*")
_MANAGED_HEADERS = frozenset({"host", "connection", "content-length", "transfer-encoding"})


class UnsafeDestination(Exception):
    """The URL or what its host resolves to is not somewhere an outbound request may go."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedURL:
    url: str  # normalised: lower-case scheme and host, IDNA host, no trailing dot, no fragment
    scheme: str  # "http" | "https"
    host: str  # ASCII (IDNA) host name or IP literal, lower case, IPv6 without brackets
    port: int  # effective port (443/80 when the URL names none)
    explicit_port: bool

    @property
    def ip(self) -> IPAddress | None:
        return _parse_ip(self.host)

    @property
    def host_header(self) -> str:
        """The ``Host`` header value: host, bracketed if IPv6, with the port only if the URL named one."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    def with_ip(self, ip: str) -> str:
        """This URL with the host replaced by an address (httpx brackets IPv6)."""
        return str(httpx.URL(self.url).copy_with(host=ip))


@dataclass
class SafeResponse:
    status_code: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body_excerpt: str  # at most max_response_bytes of the raw body, decoded with errors="replace"
    elapsed_ms: int  # the whole attempt: resolution, connection, response, excerpt


def _in(ip: IPAddress, net: IPNetwork) -> bool:
    # ipaddress does not compare versions in `in`: 1.2.3.4 would be "in" ::/96.
    return ip.version == net.version and ip in net


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id does not change the class
    except ValueError:
        return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if _in(ip, _NAT64):
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    return None


def _refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why a request may not go to this address, or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_v4(ip)
        if embedded is not None:
            form, v4 = embedded
            inner = _refusal(v4, allow_private=allow_private)
            return None if inner is None else f"an {form} address embedding {v4}, {inner}"
        if _in(ip, _IPV4_COMPATIBLE) and int(ip) > 1:
            return f"a deprecated IPv4-compatible address (embedding {ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)})"
        if _in(ip, _TEREDO):
            return "a Teredo tunnel address"
        if ip.is_site_local:
            return "a deprecated site-local address"
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and _in(ip, _THIS_NETWORK)):
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip.is_multicast:
        return "a multicast address"
    for net, reason in _ALWAYS_REFUSED:
        if _in(ip, net):
            return reason
    if ip.is_loopback:
        return None if allow_private else "a loopback address"
    for net, reason in _PRIVATE:
        if _in(ip, net):
            return None if allow_private else reason
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


def _normalise_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def _host_refusal(host: str, *, allow_private: bool) -> str | None:
    """Why this (normalised) host may not be used, judged without DNS; None if it may."""
    if not host:
        return "the URL has no host"
    ip = _parse_ip(host)
    if ip is not None:
        reason = _refusal(ip, allow_private=allow_private)
        return None if reason is None else f"{host} is {reason}"
    if len(host) > 253 or not _HOSTNAME.fullmatch(host):
        return f"{host!r} is not a valid host name"
    try:
        socket.inet_aton(host)  # 127.1, 0x7f.0.0.1, 2130706433: loopback in disguise to the resolver
    except OSError:
        pass
    else:
        return f"{host!r} is a numeric host in a non-standard form"
    if host in METADATA_HOSTS:
        return f"{host} is a cloud metadata host"
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        return f"{host} is a loopback name"
    return None


def check_url(url: str, *, live: bool, allow_private: bool) -> ParsedURL:
    """Syntax checks for an outbound URL (a webhook endpoint's, a vendor's); raises UnsafeDestination."""
    if not isinstance(url, str) or not url:
        raise UnsafeDestination("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeDestination("the URL contains whitespace or control characters")
    try:
        parsed = httpx.URL(url)
        raw_host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise UnsafeDestination(f"the URL is malformed: {exc}") from exc
    allowed = ("https",) if live else ("http", "https")
    if parsed.scheme not in allowed:
        raise UnsafeDestination("the URL must use https" if live else "the URL must use http or https")
    if parsed.userinfo:
        raise UnsafeDestination("the URL must not contain a user name or password")
    host = _normalise_host(raw_host)
    explicit_port = parsed.port is not None
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 1 <= port <= 65535:
        raise UnsafeDestination(f"port {port} is out of range")
    reason = _host_refusal(host, allow_private=allow_private)
    if reason is not None:
        raise UnsafeDestination(reason)
    normalised = parsed.copy_with(host=host, fragment=None)
    return ParsedURL(url=str(normalised), scheme=parsed.scheme, host=host, port=port, explicit_port=explicit_port)


async def resolve_safe(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), if all of them are allowed.

    Raises UnsafeDestination if any one is not; a name that does not resolve raises httpx.ConnectError,
    as httpx itself does, so a caller treats it as a network failure and retries.
    """
    host = _normalise_host(host)
    if not 1 <= port <= 65535:
        raise UnsafeDestination(f"port {port} is out of range")
    reason = _host_refusal(host, allow_private=allow_private)
    if reason is not None:
        raise UnsafeDestination(reason)
    literal = _parse_ip(host)
    if literal is not None:
        return [str(literal)]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise httpx.ConnectError(f"could not resolve {host}: {exc}") from exc
    addresses: list[str] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = _parse_ip(str(sockaddr[0]))
        if ip is None:
            raise UnsafeDestination(f"{host} resolves to an unparseable address {sockaddr[0]!r}")
        reason = _refusal(ip, allow_private=allow_private)
        if reason is not None:
            raise UnsafeDestination(f"{host} resolves to {ip}, {reason}")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise httpx.ConnectError(f"{host} resolves to no IPv4 or IPv6 address")
    return addresses


async def _send_first(
    client: httpx.AsyncClient,
    method: str,
    parsed: ParsedURL,
    addresses: list[str],
    *,
    content: bytes,
    headers: dict[str, str],
    extensions: dict[str, Any],
) -> httpx.Response:
    """Send to the first address that accepts a connection (a refused connection sent nothing)."""
    for i, address in enumerate(addresses):
        request = httpx.Request(
            method, parsed.with_ip(address), content=content, headers=headers, extensions=dict(extensions)
        )
        try:
            # An explicit Request: the client's default headers, cookies and auth are not merged in.
            return await client.send(request, stream=True, follow_redirects=False, auth=None)
        except httpx.ConnectError:
            if i == len(addresses) - 1:
                raise
    raise AssertionError("unreachable: resolve_safe returns at least one address")


def timed_out(parsed: ParsedURL, timeout: float, method: str = "POST") -> httpx.TimeoutException:
    """The error for a request that ran past its whole-attempt deadline."""
    return httpx.TimeoutException(
        f"the request to {parsed.host_header} took longer than {timeout}s", request=httpx.Request(method, parsed.url)
    )


async def guarded_send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - one deadline across resolution and the request
    deadline: float,
    live: bool,
    allow_private: bool,
) -> httpx.Response:
    """Check ``url``, resolve it, check every address, and send to the first checked address that
    accepts a connection, with the real name in ``Host`` and TLS SNI. Returns the streaming response
    (the caller reads and closes it); past ``deadline`` (loop time), httpx.TimeoutException."""
    parsed = check_url(url, live=live, allow_private=allow_private)
    send_headers = {k: v for k, v in headers.items() if k.lower() not in _MANAGED_HEADERS}
    send_headers["host"] = parsed.host_header
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(timeout).as_dict()}
    if parsed.scheme == "https":
        send_headers["connection"] = "close"
        if parsed.ip is None:
            extensions["sni_hostname"] = parsed.host  # TLS verifies the real name, not the IP

    attempt = asyncio.timeout_at(deadline)
    try:
        async with attempt:
            addresses = await resolve_safe(parsed.host, parsed.port, allow_private=allow_private)
            return await _send_first(
                client, method, parsed, addresses, content=content, headers=send_headers, extensions=extensions
            )
    except TimeoutError as exc:
        if not attempt.expired():
            raise
        raise timed_out(parsed, timeout, method) from exc


async def safe_post(
    client: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - the deadline is applied inside, across resolution and the request
    live: bool,
    allow_private: bool,
    max_response_bytes: int = 4096,
    method: str = "POST",
) -> SafeResponse:
    """POST ``content`` to ``url``, connecting only to addresses checked at this moment.

    ``timeout`` bounds every phase (connect, write, read, pool) and the attempt as a whole, resolution
    included; past it, httpx.TimeoutException. Redirects are never followed: a 3xx is returned like any
    other status. Any answer is returned, whatever its status; network failures raise httpx exceptions.
    Once the status has arrived, a slow or broken body only shortens the excerpt.

    For https, each delivery uses its own connection (``Connection: close``): connections are pooled by
    IP, and one verified for one name must not carry a request for another name on the same IP. The
    client should be HTTP/1.1 (httpx's default) and dedicated to guarded requests (``Outbound`` keeps
    one, with a cookie jar that accepts nothing).
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if max_response_bytes < 0:
        raise ValueError("max_response_bytes must not be negative")
    started = time.monotonic()
    deadline = asyncio.get_running_loop().time() + timeout
    response = await guarded_send(
        client,
        method,
        url,
        content=content,
        headers=headers,
        timeout=timeout,
        deadline=deadline,
        live=live,
        allow_private=allow_private,
    )

    body = bytearray()
    try:
        if max_response_bytes:
            with contextlib.suppress(TimeoutError, httpx.TransportError):
                async with asyncio.timeout_at(deadline), contextlib.aclosing(_raw_chunks(response)) as chunks:
                    async for chunk in chunks:
                        body += chunk[: max_response_bytes - len(body)]
                        if len(body) >= max_response_bytes:
                            break
    finally:
        await response.aclose()

    return SafeResponse(
        status_code=response.status_code,
        headers=_headers(response.headers),
        body_excerpt=bytes(body).decode("utf-8", errors="replace"),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


def _raw_chunks(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    # Raw, not decoded: we ask for no compression, and a gzip bomb must not inflate past the cap.
    return cast(AsyncGenerator[bytes, None], response.aiter_raw())


def _headers(headers: httpx.Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
