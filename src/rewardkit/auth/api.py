"""Request identity: every /v1 call carries `Authorization: Bearer sk_test_…|sk_live_…`."""

from __future__ import annotations

from fastapi import Depends, Request

from rewardkit.auth import service
from rewardkit.auth.errors import AuthenticationRequired
from rewardkit.auth.service import Identity, KeyCache
from rewardkit.kit.context import AppContext, get_context


async def require_identity(request: Request, ctx: AppContext = Depends(get_context)) -> Identity:
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
