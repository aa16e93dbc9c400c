"""Request identity: every /v1 call carries `Authorization: Bearer sk_test_…|sk_live_…`."""

from __future__ import annotations

from fastapi import Request

from rewardkit.auth import service
from rewardkit.auth.errors import AuthenticationRequired
from rewardkit.auth.service import Identity, KeyCache
from rewardkit.kit.context import AppContext


async def require_identity(request: Request) -> Identity:
    # The context straight from app.state, not as a sub-dependency: FastAPI's dependency solving costs
    # more per request than the whole key check (cached) does.
    ctx: AppContext = request.app.state.ctx
    header = request.headers.get("authorization")
    if not header:
        raise AuthenticationRequired()
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationRequired("Use the Bearer scheme: 'Authorization: Bearer sk_test_…'.")
    raw = raw.strip()
    cache: KeyCache = ctx.caches.setdefault("api_keys", KeyCache(ttl=ctx.settings.api_key_cache_seconds))
    digest = ctx.keyring.hash(raw)
    ident = cache.get(digest)
    if ident is None:
        async with ctx.db.unit_of_work(readonly=True) as s:
            ident = await service.authenticate(s, ctx.keyring, raw)
        cache.put(digest, ident)
    request.state.identity = ident
    return ident
