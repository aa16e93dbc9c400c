"""Housekeeping that runs as a scheduled job: one per hour across all workers (a unique key per hour)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from rewardkit.jobs import service
from rewardkit.kit import retention
from rewardkit.kit.db import utcnow

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

MAINTENANCE_JOB = "system.maintenance"
log = logging.getLogger("rewardkit.jobs")


async def schedule_maintenance(ctx: Runtime, delay: timedelta = timedelta(0)) -> None:
    """Queue the maintenance run for the coming hour, unless some worker already did."""
    run_at = utcnow() + delay
    key = f"maintenance:{run_at:%Y-%m-%dT%H}"
    try:
        async with ctx.db.unit_of_work() as s:
            await service.enqueue(s, MAINTENANCE_JOB, {}, run_at=run_at, unique_key=key, max_attempts=3)
    except IntegrityError:
        pass  # already scheduled for that hour


async def maintenance(ctx: Runtime, payload: dict[str, Any], attempt: int) -> dict[str, Any]:
    """Every module's retention rules (kit/retention.py), then the next run. Returns what it purged."""
    purged = await purge_all(ctx)
    await schedule_maintenance(ctx, timedelta(hours=1))
    counts = {p.name: p.rows for p in purged}
    left = [p.name for p in purged if not p.complete]
    log.info("maintenance purged %s%s", counts, f"; more left for the next run: {left}" if left else "")
    return counts


async def purge_all(ctx: Runtime) -> list[retention.Purged]:
    settings, now = ctx.settings, utcnow()
    return [
        await retention.purge(
            ctx.db,
            rule,
            now - rule.keep(settings),
            batch=settings.retention_batch_size,
            max_batches=settings.retention_max_batches,
        )
        for m in ctx.modules
        for rule in m.retention
    ]
