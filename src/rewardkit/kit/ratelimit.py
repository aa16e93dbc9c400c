"""Rate limits: per credential (API key or session) and failed authentications per client address.

Counters live in this process's memory by default (the `limits` library's synchronous memory storage:
no await, microseconds on the order path), or in Redis when `REWARDKIT_REDIS_URL` is set, so that every
API process shares them. Fixed windows: a limit of "2000/second" allows 2000 requests in the second
that starts with the first of them; the next request after it starts a new window. A Redis that does
not answer fails open (no limit, logged once per outage): docs/deploy.md says why. The headers follow
draft-ietf-httpapi-ratelimit-headers-06 (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
in delta seconds, `RateLimit-Policy`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from limits import RateLimitItem, parse
from limits.aio import strategies as aio_strategies
from limits.aio.storage import RedisStorage
from limits.errors import StorageError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.config import Settings

log = logging.getLogger("rewardkit")

# Seconds a failed Redis is left alone before it is asked again: a Redis that hangs must not add its
# timeout to every request while it is down.
REDIS_RETRY_SECONDS = 1.0
REDIS_TIMEOUT_SECONDS = 0.5


class RateLimited(Problem):
    """This API key (or session) sent more requests than its limit in the current window. Wait
    `Retry-After` seconds; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` say where
    the key stands on every response."""

    status, code, title = 429, "rate_limited", "Too many requests"


class TooManyAuthFailures(Problem):
    """Too many requests from this client address carried an unknown, revoked or expired credential.
    Every authenticated request from the address is refused, valid credential or not, until
    `Retry-After` seconds have passed."""

    status, code, title = 429, "too_many_auth_failures", "Too many failed authentications"


@dataclass(frozen=True, slots=True)
class Quota:
    """Where one credential stands after a request: what the RateLimit-* headers say."""

    limit: int
    remaining: int
    reset: int  # seconds until the window starts again
    window: int  # the window's length in seconds
    allowed: bool

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset).encode()),
            (b"ratelimit-policy", f"{self.limit};w={self.window}".encode()),
        ]


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


class WindowStats(NamedTuple):
    reset_time: float  # epoch seconds when the window ends
    remaining: int


class MemoryWindows:
    """Fixed windows in this process's memory, with the semantics of `limits`' FixedWindowRateLimiter
    (a window starts at its first hit; `hit` counts even over the limit; `test` says whether one
    more would pass). Not `limits`' MemoryStorage: it starts a `threading.Timer` of 10 ms on every
    hit when none is alive, to expire keys, which under load is a new thread per request (that and
    the rest of the limiter cost about 0.1 ms of API CPU per order in `make bench`). Here a window
    expires when it is next touched, and expired ones are dropped in bulk when the table grows."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._windows: dict[tuple[object, ...], list[float]] = {}  # key -> [ends_at, count]

    def _current(self, item: RateLimitItem, ids: tuple[str, ...], now: float) -> list[float] | None:
        window = self._windows.get((item.amount, item.get_expiry(), *ids))
        return window if window is not None and window[0] > now else None

    def hit(self, item: RateLimitItem, *ids: str) -> bool:
        now = time.time()
        window = self._current(item, ids, now)
        if window is None:
            if len(self._windows) >= self.MAX_KEYS:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
            window = self._windows[(item.amount, item.get_expiry(), *ids)] = [now + item.get_expiry(), 0]
        window[1] += 1
        return window[1] <= item.amount

    def test(self, item: RateLimitItem, *ids: str) -> bool:
        window = self._current(item, ids, time.time())
        return window is None or window[1] < item.amount

    def get_window_stats(self, item: RateLimitItem, *ids: str) -> WindowStats:
        now = time.time()
        window = self._current(item, ids, now)
        if window is None:
            return WindowStats(now, item.amount)
        return WindowStats(window[0], max(0, item.amount - int(window[1])))


class RateLimiter:
    """The process's limiter (a runtime part, declared by the auth module, which authenticates)."""

    def __init__(
        self,
        *,
        per_mode: dict[str, str],
        auth_failures: str,
        token_failures: str = "30/minute",
        enabled: bool = True,
        redis_url: str = "",
        key_prefix: str = "rewardkit",
    ) -> None:
        self.enabled = enabled
        # Parsed here so that a malformed setting stops the process at start-up, not on a request.
        self.per_mode: dict[str, RateLimitItem] = {mode: parse(spec) for mode, spec in per_mode.items()}
        self.auth_failures: RateLimitItem = parse(auth_failures)
        self.token_failures: RateLimitItem = parse(token_failures)
        self.shared = bool(redis_url)
        self._redis_down_until = 0.0
        self._redis_warned = False
        self._redis: RedisStorage | None = None
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
            self._redis = RedisStorage(
                uri,
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=f"{key_prefix}:limits",
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._async = aio_strategies.FixedWindowRateLimiter(self._redis)
        else:
            self._memory = MemoryWindows()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            per_mode={"test": settings.rate_limit_test, "live": settings.rate_limit_live},
            auth_failures=settings.auth_failure_limit,
            token_failures=settings.token_failure_limit,
            enabled=settings.rate_limits,
            redis_url=settings.redis_url,
            key_prefix=settings.redis_key_prefix,
        )

    @classmethod
    def open(cls, rt: Any) -> RateLimiter:
        """The runtime part (auth/module.py)."""
        return cls.from_settings(rt.settings)

    async def hit(self, mode: str, credential_id: str) -> Quota | None:
        """Count one request of this credential; None when limits are off or Redis is away."""
        if not self.enabled:
            return None
        item = self.per_mode[mode]
        if self._redis is None:
            allowed = self._memory.hit(item, "key", credential_id)
            stats = self._memory.get_window_stats(item, "key", credential_id)
        else:
            if self._redis_resting():
                return None
            try:
                allowed = await self._async.hit(item, "key", credential_id)
                got = await self._async.get_window_stats(item, "key", credential_id)
                stats = WindowStats(got.reset_time, got.remaining)
            except StorageError as exc:
                self._redis_failed(exc)
                return None
            self._redis_answered()
        window = item.get_expiry()
        return Quota(item.amount, stats.remaining, _seconds_until(stats.reset_time), window, allowed)

    async def auth_blocked(self, address: str) -> int | None:
        """Seconds until this address may authenticate again, or None when it may now."""
        return await self._blocked(self.auth_failures, "auth", address)

    async def auth_failed(self, address: str) -> None:
        """Count one failed authentication from this address."""
        await self._failed(self.auth_failures, "auth", address)

    async def token_blocked(self, address: str) -> int | None:
        """#13: seconds until this address may look reward-link tokens up again, or None when it may now."""
        return await self._blocked(self.token_failures, "token", address)

    async def token_failed(self, address: str) -> None:
        """Count one unknown reward-link token from this address."""
        await self._failed(self.token_failures, "token", address)

    async def address_hit(self, item: RateLimitItem, space: str, address: str) -> int | None:
        """#17: count one request of this address on an endpoint that takes no credential (the docs
        assistant); seconds to wait when the address is over `item`, else None (counted)."""
        wait = await self._blocked(item, space, address)
        if wait is None:
            await self._failed(item, space, address)
        return wait

    async def _blocked(self, item: RateLimitItem, space: str, address: str) -> int | None:
        if not self.enabled:
            return None
        if self._redis is None:
            if self._memory.test(item, space, address):
                return None
            return _seconds_until(self._memory.get_window_stats(item, space, address).reset_time)
        if self._redis_resting():
            return None
        try:
            if await self._async.test(item, space, address):
                self._redis_answered()
                return None
            stats = await self._async.get_window_stats(item, space, address)
        except StorageError as exc:
            self._redis_failed(exc)
            return None
        self._redis_answered()
        return _seconds_until(stats.reset_time)

    async def _failed(self, item: RateLimitItem, space: str, address: str) -> None:
        if not self.enabled:
            return
        if self._redis is None:
            self._memory.hit(item, space, address)
            return
        if self._redis_resting():
            return
        try:
            await self._async.hit(item, space, address)
        except StorageError as exc:
            self._redis_failed(exc)
            return
        self._redis_answered()

    def _redis_resting(self) -> bool:
        return self._redis_down_until > time.monotonic()

    def _redis_failed(self, exc: StorageError) -> None:
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        if not self._redis_warned:
            self._redis_warned = True
            log.warning(
                "rate limits: Redis does not answer (%s); requests are not limited until it does",
                type(exc.storage_error).__name__,
            )

    def _redis_answered(self) -> None:
        if self._redis_warned:
            self._redis_warned = False
            log.warning("rate limits: Redis answers again; limits are shared and enforced")

    async def aclose(self) -> None:
        if self._redis is not None:
            bridge: Any = self._redis.bridge
            await bridge.storage.aclose()


STATE_KEY = "rate_limit"


class RateLimitHeaders:
    """Pure ASGI middleware: the RateLimit-* headers of the credential's quota (set by the auth
    dependency in the request's state) on its response, whatever that response is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                quota: Quota | None = state.get(STATE_KEY)
                if quota is not None:
                    message["headers"] = [*message.get("headers", ()), *quota.headers()]
            await send(message)

        await self.app(scope, receive, send_with_quota)
