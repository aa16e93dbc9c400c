"""Failed token lookups per client address (#13), for the claim API and the hosted page alike: like
failed authentications (auth/api.py), an address that sent `token_failure_limit` unknown tokens is
refused every lookup, right token or not, until the window ends, so guessing tokens teaches nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request

from rewardkit.kit.ratelimit import RateLimiter
from rewardkit.links.errors import RewardLinkNotFound, TooManyTokenFailures
from rewardkit.runtime import Runtime


def address_of(request: Request) -> str:
    return request.client.host if request.client else ""


@asynccontextmanager
async def token_lookup(request: Request) -> AsyncIterator[None]:
    """Refuse an address over its limit (429 too_many_token_failures); count the block's unknown token."""
    ctx: Runtime = request.app.state.runtime
    limiter = ctx.part(RateLimiter)
    address = address_of(request)
    wait = await limiter.token_blocked(address)
    if wait is not None:
        raise TooManyTokenFailures(
            f"Too many unknown link tokens from your address; retry in {wait} s.", headers={"Retry-After": str(wait)}
        )
    try:
        yield
    except RewardLinkNotFound:
        await limiter.token_failed(address)
        raise
