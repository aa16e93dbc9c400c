"""Job handlers of reward points: each runs its step once (guarded in movements.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.points import service, tiers

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def expire(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """points.expire, queued at a lot's expires_at with its credit: expire exactly what is left of it."""
    return await service.expire_job(ctx, payload["lot_id"])


async def release(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """points.release, queued at a pending lot's available_at: make its points available."""
    return await service.release_job(ctx, payload["lot_id"])


async def notice(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """points.expiring, queued expiring_notice_days before a lot expires: the `points.expiring` event."""
    return await service.notice_job(ctx, payload["lot_id"])


async def tiers_job(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """points.tiers: re-evaluate one member's tier (a due end_of_period downgrade) or a program's (daily)."""
    return await tiers.tiers_job(ctx, payload)
