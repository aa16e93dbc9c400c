"""When to retry and how long to wait: exponential backoff with full jitter, or the server's
Retry-After when it sends one. The caller keeps one Idempotency-Key for every attempt of a call."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from rewardkit_sdk._errors import parse_retry_after, problem_of

# 409 is retried only for this code: any other conflict is the resource's state, not a race.
IN_FLIGHT = "idempotency_key_in_flight"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A Retry-After longer than this is not waited for (the error is raised): a client should not hang
# for minutes inside one call.
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, attempt: int) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^attempt)], so many
        clients failing together do not retry together."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def delay_for(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = parse_retry_after(response.headers.get("retry-after"))
            if after is not None:
                return after
        return self.backoff(attempt)


def should_retry_response(response: httpx.Response, *, repeatable: bool) -> bool:
    """429 was refused before any work, so it is always safe; 409 in flight only comes with an
    Idempotency-Key; a 5xx may have done work, so only a repeatable call (GET/PUT/DELETE, or a POST
    whose operation honours Idempotency-Key) is sent again."""
    status = response.status_code
    if status == 429:
        return True
    if status == 409:
        return problem_of(response).get("code") == IN_FLIGHT
    return repeatable and status in RETRY_STATUSES


def should_retry_exception(exc: Exception, *, repeatable: bool) -> bool:
    """A connect error (or a connect timeout) never reached the server: always safe. A read timeout or
    a dropped answer may come after the server did the work: only for repeatable calls."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    return repeatable and isinstance(exc, httpx.TransportError)


def retry_after_too_long(response: httpx.Response) -> bool:
    after = parse_retry_after(response.headers.get("retry-after"))
    return after is not None and after > MAX_RETRY_AFTER
