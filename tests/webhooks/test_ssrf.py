"""The webhook destination guard: which URLs and addresses a delivery may reach, and how it gets there.

Addresses are only classified, never connected to. DNS is the outside world, so it is faked by replacing
the event loop's getaddrinfo; deliveries go to a real HTTP(S) receiver on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook

from rewardkit.kit.ssrf import SafeResponse, UnsafeDestination, check_url, resolve_safe, safe_post
from rewardkit.webhooks import signing
from tests.rawhttp import RawServer

PUBLIC, PRIVATE, NEVER = "public", "private", "never"  # NEVER: refused even with allow_private

ADDRESSES: list[tuple[str, str]] = [
    # public: allowed everywhere
    ("93.184.216.34", PUBLIC),
    ("8.8.8.8", PUBLIC),
    ("172.32.0.1", PUBLIC),  # just past 172.16/12
    ("100.128.0.1", PUBLIC),  # just past 100.64/10
    ("2606:4700::1111", PUBLIC),
    ("2001:4860:4860::8888", PUBLIC),
    ("::ffff:93.184.216.34", PUBLIC),  # IPv4-mapped public
    ("64:ff9b::5db8:d822", PUBLIC),  # NAT64 of 93.184.216.34
    # loopback / private / shared: only with allow_private
    ("127.0.0.1", PRIVATE),
    ("127.255.255.254", PRIVATE),
    ("::1", PRIVATE),
    ("10.0.0.1", PRIVATE),
    ("172.16.0.1", PRIVATE),
    ("172.31.255.254", PRIVATE),
    ("192.168.1.1", PRIVATE),
    ("fc00::1", PRIVATE),
    ("fd12:3456::1", PRIVATE),
    ("100.64.0.1", PRIVATE),
    ("100.127.255.254", PRIVATE),
    ("::ffff:127.0.0.1", PRIVATE),  # IPv4-mapped
    ("::ffff:10.0.0.1", PRIVATE),
    ("64:ff9b::a00:1", PRIVATE),  # NAT64 of 10.0.0.1
    ("64:ff9b::7f00:1", PRIVATE),  # NAT64 of 127.0.0.1
    ("2002:a00:1::1", PRIVATE),  # 6to4 of 10.0.0.1
    ("2002:c0a8:101::1", PRIVATE),  # 6to4 of 192.168.1.1
    # never: metadata, link-local, unspecified, multicast, reserved, other non-public
    ("169.254.169.254", NEVER),
    ("169.254.0.1", NEVER),
    ("fe80::1", NEVER),
    ("::ffff:169.254.169.254", NEVER),
    ("64:ff9b::a9fe:a9fe", NEVER),  # NAT64 of 169.254.169.254
    ("2002:a9fe:a9fe::1", NEVER),  # 6to4 of 169.254.169.254
    ("100.100.100.200", NEVER),  # Alibaba metadata, inside 100.64/10
    ("fd00:ec2::254", NEVER),  # AWS IMDS over IPv6, inside fc00::/7
    ("0.0.0.0", NEVER),
    ("0.1.2.3", NEVER),
    ("::", NEVER),
    ("::ffff:0.0.0.0", NEVER),
    ("224.0.0.1", NEVER),
    ("239.255.255.250", NEVER),
    ("ff02::1", NEVER),
    ("ff0e::1", NEVER),
    ("240.0.0.1", NEVER),
    ("255.255.255.255", NEVER),
    ("::a00:1", NEVER),  # IPv4-compatible (deprecated) 10.0.0.1
    ("::7f00:1", NEVER),
    ("::5db8:d822", NEVER),  # IPv4-compatible, even of a public address
    ("2001::1", NEVER),  # Teredo
    ("2001:db8::1", NEVER),  # documentation
    ("192.0.2.1", NEVER),  # documentation
    ("198.18.0.1", NEVER),  # benchmarking
    ("fec0::1", NEVER),  # deprecated site-local
    ("64:ff9b:1::a00:1", NEVER),  # local-use NAT64
]


def allowed(verdict: str, allow_private: bool) -> bool:
    return verdict == PUBLIC or (verdict == PRIVATE and allow_private)


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# ---- fake DNS -------------------------------------------------------------------------------------


@dataclass
class FakeDNS:
    """Names answered from a table (a list per lookup, to model rebinding); anything else is real DNS."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def set(self, name: str, *addresses: str) -> None:
        self.answers[name] = [list(addresses)]

    def sequence(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = [list(a) for a in answers]


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    loop = asyncio.get_running_loop()
    real: Callable[..., Awaitable[Any]] = loop.getaddrinfo
    fake = FakeDNS()

    async def getaddrinfo(host: Any, port: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        fake.lookups.append(name)
        if name not in fake.answers:
            return list(await real(host, port, **kwargs))
        queue = fake.answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out: list[Any] = []
        for a in answer:
            if ":" in a:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)))
        return out

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return fake


# ---- classification --------------------------------------------------------------------------------


@pytest.mark.parametrize("allow_private", [False, True], ids=["strict", "allow_private"])
@pytest.mark.parametrize(("address", "verdict"), ADDRESSES, ids=[a for a, _ in ADDRESSES])
async def test_literal_addresses(address: str, verdict: str, allow_private: bool) -> None:
    url = f"https://{url_host(address)}/hook"
    if allowed(verdict, allow_private):
        parsed = check_url(url, live=True, allow_private=allow_private)
        assert parsed.ip == ipaddress.ip_address(address)
        assert await resolve_safe(address, 443, allow_private=allow_private) == [str(ipaddress.ip_address(address))]
    else:
        with pytest.raises(UnsafeDestination) as e1:
            check_url(url, live=True, allow_private=allow_private)
        with pytest.raises(UnsafeDestination) as e2:
            await resolve_safe(address, 443, allow_private=allow_private)
        assert e1.value.reason and e2.value.reason


@pytest.mark.parametrize("allow_private", [False, True], ids=["strict", "allow_private"])
@pytest.mark.parametrize(("address", "verdict"), ADDRESSES, ids=[a for a, _ in ADDRESSES])
async def test_names_resolving_to_each_address(dns: FakeDNS, address: str, verdict: str, allow_private: bool) -> None:
    dns.set("hooks.customer.example", address)
    # The name itself is fine at endpoint creation; only resolution at delivery time can tell.
    check_url("https://hooks.customer.example/h", live=True, allow_private=allow_private)
    if allowed(verdict, allow_private):
        got = await resolve_safe("hooks.customer.example", 443, allow_private=allow_private)
        assert got == [str(ipaddress.ip_address(address))]
    else:
        with pytest.raises(UnsafeDestination, match=r"hooks\.customer\.example resolves to"):
            await resolve_safe("hooks.customer.example", 443, allow_private=allow_private)


async def test_any_private_answer_among_public_ones_refuses(dns: FakeDNS) -> None:
    dns.set("mixed.example", "93.184.216.34", "10.0.0.1")
    dns.set("mixed6.example", "2606:4700::1111", "::1")
    dns.set("good.example", "93.184.216.34", "2606:4700::1111", "93.184.216.34")
    for name in ("mixed.example", "mixed6.example"):
        with pytest.raises(UnsafeDestination):
            await resolve_safe(name, 443, allow_private=False)
    assert await resolve_safe("good.example", 443, allow_private=False) == ["93.184.216.34", "2606:4700::1111"]


async def test_localhost(dns: FakeDNS) -> None:
    with pytest.raises(UnsafeDestination, match="loopback"):
        await resolve_safe("localhost", 8080, allow_private=False)
    with pytest.raises(UnsafeDestination, match="loopback"):
        check_url("http://localhost:8080/", live=False, allow_private=False)
    got = await resolve_safe("localhost", 8080, allow_private=True)  # real resolution
    assert "127.0.0.1" in got and all(ipaddress.ip_address(a).is_loopback for a in got)


async def test_metadata_names_and_addresses_are_refused_even_in_test_mode(dns: FakeDNS) -> None:
    dns.set("metadata.google.internal", "93.184.216.34")  # whatever it resolves to
    dns.set("imds.attacker.example", "169.254.169.254")
    dns.set("imds6.attacker.example", "fe80::a9fe:a9fe")
    for host in ("metadata.google.internal", "METADATA.Google.Internal.", "metadata", "metadata.goog"):
        with pytest.raises(UnsafeDestination, match="metadata"):
            await resolve_safe(host, 80, allow_private=True)
        with pytest.raises(UnsafeDestination, match="metadata"):
            check_url(f"http://{host}/computeMetadata/v1/", live=False, allow_private=True)
    for host in ("imds.attacker.example", "imds6.attacker.example"):
        with pytest.raises(UnsafeDestination, match="link-local"):
            await resolve_safe(host, 80, allow_private=True)
    assert dns.lookups == ["imds.attacker.example", "imds6.attacker.example"]  # names refused before DNS


async def test_unresolvable_name_is_a_network_error(dns: FakeDNS) -> None:
    dns.set("gone.example")
    with pytest.raises(httpx.ConnectError, match="could not resolve"):
        await resolve_safe("gone.example", 443, allow_private=False)


# ---- URL syntax --------------------------------------------------------------------------------------

REFUSED_URLS: list[tuple[str, bool, bool]] = [  # url, live, allow_private
    ("http://example.com/hook", True, False),
    ("ftp://example.com/hook", False, False),
    ("file:///etc/passwd", False, True),
    ("gopher://example.com/", False, True),
    ("example.com/hook", False, True),
    ("", False, True),
    ("https://user:pw@example.com/", True, False),
    ("https://user@example.com/", True, False),
    ("https:///path", True, False),
    ("https://example.com:0/", True, False),
    ("https://example.com:65536/", True, False),
    ("https://example.com:99999999/", True, False),
    ("https://exa mple.com/", True, False),
    ("https://example.com/\r\nx", True, False),
    ("https://ex%61mple.com/", True, False),
    ("https://127.1/", True, True),  # non-standard IPv4 spellings of loopback
    ("https://2130706433/", True, True),
    ("https://0x7f.0.0.1/", True, True),
    ("https://017700000001/", True, True),
    ("https://localhost/", True, False),
    ("https://api.localhost/", True, False),
    ("https://[::1]:8443/", True, False),
    ("https://[fe80::1%25eth0]/", False, True),
    ("https://169.254.169.254/latest/meta-data/", False, True),
    ("https://metadata.google.internal/", False, True),
    ("https://example.com/" + "a" * 2100, True, False),
]


@pytest.mark.parametrize(("url", "live", "allow_private"), REFUSED_URLS)
def test_check_url_refuses(url: str, live: bool, allow_private: bool) -> None:
    with pytest.raises(UnsafeDestination) as exc:
        check_url(url, live=live, allow_private=allow_private)
    assert exc.value.reason == str(exc.value)


def test_check_url_normalises() -> None:
    p = check_url("https://Hooks.Bücher.DE./in?x=1#frag", live=True, allow_private=False)
    assert (p.scheme, p.host, p.port, p.explicit_port) == ("https", "hooks.xn--bcher-kva.de", 443, False)
    assert p.url == "https://hooks.xn--bcher-kva.de/in?x=1" and p.host_header == "hooks.xn--bcher-kva.de"
    p = check_url("http://receiver:8080/h", live=False, allow_private=False)
    assert (p.port, p.explicit_port, p.host_header) == (8080, True, "receiver:8080")
    p = check_url("https://[2606:4700::1111]:8443/h", live=True, allow_private=False)
    assert p.host_header == "[2606:4700::1111]:8443"
    assert p.with_ip("2606:4700::1111") == "https://[2606:4700::1111]:8443/h"
    assert check_url("https://example.com:65535/", live=True, allow_private=False).port == 65535
    assert check_url("https://example.com:1/", live=True, allow_private=False).port == 1
    assert check_url("http://localhost:9/", live=False, allow_private=True).host == "localhost"


# ---- delivery to a real receiver ---------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    local: tuple[Any, ...]  # the receiver's own address on that connection: where the client connected


class Receiver(RawServer):
    """A tiny HTTP/1.1 server on 127.0.0.1 whose behaviour depends on the path."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []
        self.sni: list[str | None] = []

    async def start(self, tls: ssl.SSLContext | None = None) -> None:
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)
        await super().start(tls)

    def _record(
        self, method: str, target: str, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> None:
        self.seen.append(Seen(method, target, headers, body, writer.get_extra_info("sockname")))

    async def _respond(self, target: str, writer: asyncio.StreamWriter) -> None:
        def head(status: str, *lines: str) -> bytes:
            return ("\r\n".join([f"HTTP/1.1 {status}", *lines, "Connection: close"]) + "\r\n\r\n").encode()

        if target == "/ok":
            extra = ("X-Multi: a", "X-Multi: b", "Set-Cookie: s=1")
            writer.write(head("200 OK", "Content-Length: 8", *extra) + b"received")
        elif target == "/redirect":
            writer.write(head("302 Found", f"Location: http://127.0.0.1:{self.port}/stolen", "Content-Length: 0"))
        elif target == "/big":
            writer.write(head("200 OK", "Content-Length: 1048576"))
            for _ in range(16):
                writer.write(b"x" * 65536)
                await writer.drain()
        elif target == "/drip-body":  # status at once, then the body a byte at a time
            writer.write(head("200 OK", "Content-Length: 1000"))
            for _ in range(1000):
                await writer.drain()
                writer.write(b"y")
                await asyncio.sleep(0.05)
        elif target == "/drip-head":  # never finishes the headers; each byte keeps the read timeout at bay
            for byte in head("200 OK", "Content-Length: 0", "X-Padding: " + "z" * 200):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.05)
        await writer.drain()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def signed(body: bytes) -> tuple[str, dict[str, str]]:
    secret = signing.new_secret()
    return secret, signing.headers([secret], "msg_test", int(time.time()), body)


BODY = b'{"type":"order.created","data":{"id":"ord_1"}}'


async def deliver(client: httpx.AsyncClient, url: str, **overrides: Any) -> SafeResponse:
    """safe_post of BODY in test mode with a localhost receiver allowed, unless overridden."""
    kwargs: dict[str, Any] = {"headers": {}, "timeout": 5, "live": False, "allow_private": True, **overrides}
    return await safe_post(client, url, content=BODY, **kwargs)


async def test_delivers_to_a_loopback_receiver_in_test_mode(receiver: Receiver) -> None:
    secret, hdrs = signed(BODY)
    # The client's own defaults (credentials for other APIs, cookies) must not ride along.
    async with httpx.AsyncClient(headers={"authorization": "Bearer internal"}, cookies={"session": "x"}) as client:
        r = await deliver(client, f"http://localhost:{receiver.port}/ok", headers=hdrs)
    assert (r.status_code, r.body_excerpt) == (200, "received")
    assert r.headers["x-multi"] == "a, b" and r.headers["content-length"] == "8"
    assert 0 <= r.elapsed_ms < 5000
    [seen] = receiver.seen
    assert (seen.method, seen.target, seen.body) == ("POST", "/ok", BODY)
    assert seen.headers["host"] == f"localhost:{receiver.port}"  # the name, though...
    assert seen.local[0] == "127.0.0.1"  # ...the connection went to the checked address
    assert seen.headers["user-agent"] == "rewardkit-webhooks/1"
    assert "authorization" not in seen.headers and "cookie" not in seen.headers
    assert "accept-encoding" not in seen.headers
    Webhook(secret).verify(seen.body, seen.headers)


async def test_refuses_the_same_receiver_when_private_is_not_allowed(receiver: Receiver, dns: FakeDNS) -> None:
    dns.set("innocent.example", "127.0.0.1")
    check_url(f"http://innocent.example:{receiver.port}/ok", live=False, allow_private=False)  # passes creation
    async with httpx.AsyncClient() as client:
        for url in (
            f"http://localhost:{receiver.port}/ok",
            f"http://127.0.0.1:{receiver.port}/ok",
            f"http://[::ffff:127.0.0.1]:{receiver.port}/ok",
            f"http://innocent.example:{receiver.port}/ok",
        ):
            with pytest.raises(UnsafeDestination):
                await deliver(client, url, allow_private=False)
        with pytest.raises(UnsafeDestination, match="https"):
            await deliver(client, f"http://93.184.216.34:{receiver.port}/", live=True, allow_private=False)
    assert receiver.seen == []


async def test_connects_to_the_address_it_checked_not_a_second_dns_answer(receiver: Receiver, dns: FakeDNS) -> None:
    # DNS rebinding: the first answer passes the check, a later one points at the metadata service.
    dns.sequence("rebind.example", ["127.0.0.1"], ["169.254.169.254"])
    async with httpx.AsyncClient() as client:
        r = await deliver(client, f"http://rebind.example:{receiver.port}/ok")
    assert r.status_code == 200
    assert dns.lookups.count("rebind.example") == 1
    [seen] = receiver.seen
    assert seen.headers["host"] == f"rebind.example:{receiver.port}" and seen.local[0] == "127.0.0.1"


async def test_falls_back_to_the_next_checked_address_when_one_refuses(receiver: Receiver, dns: FakeDNS) -> None:
    dns.set("dual.example", "::1", "127.0.0.1")  # nothing listens on [::1]:port
    async with httpx.AsyncClient() as client:
        r = await deliver(client, f"http://dual.example:{receiver.port}/ok")
    assert r.status_code == 200 and receiver.seen[0].local[0] == "127.0.0.1"


async def test_unresolvable_destination_raises_connect_error(dns: FakeDNS) -> None:
    dns.set("gone.example")
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await deliver(client, "https://gone.example/h", live=True, allow_private=False)


async def test_does_not_follow_redirects(receiver: Receiver) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as client:  # even when the client would
        r = await deliver(client, f"http://localhost:{receiver.port}/redirect")
    assert r.status_code == 302 and r.headers["location"].endswith("/stolen")
    assert [s.target for s in receiver.seen] == ["/redirect"]


async def test_response_body_is_capped(receiver: Receiver) -> None:
    async with httpx.AsyncClient() as client:
        url = f"http://localhost:{receiver.port}/big"
        r = await deliver(client, url)  # 1 MB offered
        assert r.status_code == 200 and r.body_excerpt == "x" * 4096
        r = await deliver(client, url, max_response_bytes=10)
        assert r.body_excerpt == "x" * 10
        r = await deliver(client, url, max_response_bytes=0)
        assert r.status_code == 200 and r.body_excerpt == ""


async def test_timeout_bounds_the_whole_attempt(receiver: Receiver) -> None:
    async with httpx.AsyncClient() as client:
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            await deliver(client, f"http://localhost:{receiver.port}/drip-head", timeout=0.5)
        assert time.monotonic() - started < 2


async def test_a_slow_body_after_the_status_only_shortens_the_excerpt(receiver: Receiver) -> None:
    async with httpx.AsyncClient() as client:
        r = await deliver(client, f"http://localhost:{receiver.port}/drip-body", timeout=0.5)
    assert r.status_code == 200 and 0 < len(r.body_excerpt) < 1000 and set(r.body_excerpt) == {"y"}
    assert r.elapsed_ms < 2000


def tls_pair(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for `name` only (no IP), and a client trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))


async def test_https_verifies_the_real_name_while_connecting_to_the_ip(tmp_path: Path, dns: FakeDNS) -> None:
    server_tls, client_tls = tls_pair(tmp_path, "localhost")
    receiver = Receiver()
    await receiver.start(tls=server_tls)
    try:
        async with httpx.AsyncClient(verify=client_tls) as client:
            r = await deliver(client, f"https://localhost:{receiver.port}/ok")
            assert r.status_code == 200
            assert receiver.sni == ["localhost"]
            [seen] = receiver.seen
            assert seen.headers["host"] == f"localhost:{receiver.port}" and seen.local[0] == "127.0.0.1"
            assert seen.headers["connection"] == "close"  # no pooled connection shared across names on one IP

            # Control: the certificate does not cover the IP, so only SNI + name verification made that work...
            with pytest.raises(httpx.ConnectError):
                await client.post(f"https://127.0.0.1:{receiver.port}/ok", content=BODY)
            # ...and a name the certificate does not cover is refused even though it reaches the same IP.
            dns.set("other.example", "127.0.0.1")
            with pytest.raises(httpx.ConnectError):
                await deliver(client, f"https://other.example:{receiver.port}/ok")
            assert len(receiver.seen) == 1
    finally:
        await receiver.stop()
