"""Origins as the store's settings hold them (`scheme://host[:port]`, lower case, no default port) and
the origin of a URL, to check a return_url against them."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _is_loopback(host: str) -> bool:
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, or None."""
    if not isinstance(url, str) or len(url) > 2048 or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def clean_origin(value: str, *, live: bool) -> str:
    """The origin, normalised; ValueError says why not. https only, but plain http for a loopback host in
    test mode (a customer's app on its laptop)."""
    origin = origin_of(value.strip())
    if origin is None:
        raise ValueError("must be an origin such as https://app.example.com")
    parts = urlsplit(value.strip())
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be an origin only (scheme, host, port): no path, query or fragment")
    host = parts.hostname or ""
    if not (_HOST.fullmatch(host) or _is_loopback(host)):
        raise ValueError("must name a host")
    if parts.scheme == "http" and (live or not _is_loopback(host)):
        raise ValueError("must use https (http only for localhost, in test mode)")
    return origin
