"""An API key's pinned version (kit/versioning.py, docs/api.md "Versions"): changed by the API
(`POST /v1/api_keys/{key_id}`) and the CLI (`rewardkit keys set-version`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import repository
from rewardkit.auth.errors import KeyNotFound
from rewardkit.auth.models import ApiKey
from rewardkit.auth.principals import Principal
from rewardkit.auth.schemas import ApiKeyOut
from rewardkit.auth.service import KeyCache
from rewardkit.kit import versioning

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def set_key_version(
    s: AsyncSession, key_id: str, api_version: str, org_id: str | None = None, mode: str | None = None
) -> ApiKey:
    """Pin an active key to another version (the API passes the caller's org and mode: another org's or
    mode's key is not found; the CLI passes none). Processes that cached the key see the change within
    api_key_cache_seconds; the caller's process evicts it at once (KeyCache.forget)."""
    version = versioning.check(api_version)
    key = await repository.get_key(s, key_id)
    if (
        key is None
        or key.revoked_at is not None
        or (org_id is not None and key.org_id != org_id)
        or (mode is not None and key.mode != mode)
    ):
        raise KeyNotFound(f"No active API key {key_id}.")
    key.api_version = version
    await s.flush()
    return key


def render_key(key: ApiKey) -> dict[str, Any]:
    """An API key as the API shows it: never its secret or its hash."""
    return ApiKeyOut(
        id=key.id,
        livemode=key.mode == "live",
        redacted=key.redacted,
        api_version=key.api_version,
        created_at=key.created_at,
    ).model_dump(mode="json")


async def update_key_version(ctx: Runtime, ident: Principal, key_id: str, api_version: str) -> dict[str, Any]:
    """POST /v1/api_keys/{key_id}: a key of the caller's org and mode."""
    async with ctx.db.unit_of_work() as s:
        key = await set_key_version(s, key_id, api_version, ident.org_id, ident.mode)
        out = render_key(key)
    ctx.part(KeyCache).forget(key_id)
    return out
