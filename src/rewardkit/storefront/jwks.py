"""The customers' JWKS, fetched through the runtime's outbound client and cached per URL (a runtime part).

A token whose `kid` the cached set lacks refetches the set (the customer rotated its keys), at most
once per `storefront_jwks_refetch_seconds` per URL: a stream of tokens with made-up kids costs one
fetch per interval, never one per token. The URL is customer-supplied, so the fetch takes the SSRF
policy webhooks take: pinned to the checked address, https in live mode, loopback and private
addresses only in test mode when the operator allows them (the default, for local development)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import jwt

from rewardkit.kit.outbound import Policy, ResponseTooLarge, UnsafeDestination
from rewardkit.storefront.errors import SsoJwksUnavailable

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

MAX_JWKS_BYTES = 64 * 1024


@dataclass
class _Entry:
    keys: dict[str, jwt.PyJWK]
    fetched: float  # time.monotonic()
    failed: str | None = None  # the last fetch failed: why (kept as long as a success would be, for refetches)


@dataclass
class JwksCache:
    """Per process; tests set `ttl`/`min_refetch` on it (rt.part(JwksCache))."""

    ttl: float = 300.0
    min_refetch: float = 10.0
    timeout: float = 5.0
    allow_private_in_test: bool = True
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    fetches: int = 0  # how many fetches this process made (tests, metrics)

    @classmethod
    def open(cls, rt: Any) -> JwksCache:
        s = rt.settings
        return cls(
            ttl=float(s.storefront_jwks_cache_seconds),
            min_refetch=float(s.storefront_jwks_refetch_seconds),
            timeout=s.storefront_jwks_timeout_seconds,
            allow_private_in_test=s.storefront_jwks_allow_private_in_test,
        )

    def policy(self, live: bool) -> Policy:
        return Policy(
            timeout=self.timeout,
            max_response_bytes=MAX_JWKS_BYTES,
            https_only=live,
            allow_private=not live and self.allow_private_in_test,
        )

    async def key(self, ctx: Runtime, url: str, kid: str, live: bool) -> jwt.PyJWK | None:
        """The key `kid` of the JWKS at `url`, or None when the (fresh enough) set has none."""
        now = time.monotonic()
        entry = self._entries.get(url)
        if entry is not None and now - entry.fetched < self.ttl and kid in entry.keys:
            return entry.keys[kid]
        if entry is not None and now - entry.fetched < min(self.min_refetch, self.ttl):
            # Fetched a moment ago: the kid is simply unknown, or the URL still failing. A failure is
            # remembered too, so tokens aimed at a broken JWKS cannot make us fetch it per request.
            if entry.failed is not None:
                raise SsoJwksUnavailable(entry.failed)
            return entry.keys.get(kid)
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            entry = self._entries.get(url)
            if entry is None or entry.fetched < now:  # nobody refetched while we waited
                try:
                    entry = _Entry(await self._fetch(ctx, url, live), time.monotonic())
                except SsoJwksUnavailable as exc:
                    self._entries[url] = _Entry({}, time.monotonic(), exc.detail)
                    raise
                self._entries[url] = entry
            elif entry.failed is not None:
                raise SsoJwksUnavailable(entry.failed)
        return entry.keys.get(kid)

    async def _fetch(self, ctx: Runtime, url: str, live: bool) -> dict[str, jwt.PyJWK]:
        self.fetches += 1
        try:
            resp = await ctx.outbound.request(self.policy(live), "GET", url, headers={"accept": "application/json"})
        except UnsafeDestination as exc:
            raise SsoJwksUnavailable(f"The store's JWKS URL is refused: {exc.reason}.") from exc
        except ResponseTooLarge as exc:
            raise SsoJwksUnavailable(f"The store's JWKS is larger than {MAX_JWKS_BYTES} bytes.") from exc
        except httpx.HTTPError as exc:
            raise SsoJwksUnavailable(f"The store's JWKS could not be fetched ({type(exc).__name__}).") from exc
        if resp.status_code != 200:
            raise SsoJwksUnavailable(f"The store's JWKS URL answered HTTP {resp.status_code}.")
        return parse(resp.content)


def parse(body: bytes) -> dict[str, jwt.PyJWK]:
    """The signing keys of a JWKS document, by kid; keys without a kid, or of a kind pyjwt cannot use,
    are skipped (one odd key must not break the others)."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise SsoJwksUnavailable("The store's JWKS is not JSON.") from exc
    keys = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(keys, list):
        raise SsoJwksUnavailable("The store's JWKS has no `keys` list.")
    out: dict[str, jwt.PyJWK] = {}
    for item in keys[:50]:
        if not isinstance(item, dict) or not isinstance(item.get("kid"), str) or item.get("use", "sig") != "sig":
            continue
        try:
            out[item["kid"]] = jwt.PyJWK(item)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
    return out
