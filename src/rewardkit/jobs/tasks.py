"""Housekeeping that runs as a scheduled job: one per hour across all workers (a unique key per hour)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from rewardkit.jobs import service
from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

MAINTENANCE_JOB = "system.maintenance"
SUCCEEDED_JOBS_KEPT = timedelta(days=7)


async def schedule_maintenance(ctx: Runtime, delay: timedelta = timedelta(0)) -> None:
    """Queue the maintenance run for the coming hour, unless some worker already did."""
    run_at = utcnow() + delay
    key = f"maintenance:{run_at:%Y-%m-%dT%H}"
    try:
        async with ctx.db.unit_of_work() as s:
            await service.enqueue(s, MAINTENANCE_JOB, {}, run_at=run_at, unique_key=key, max_attempts=3)
    except IntegrityError:
        pass  # already scheduled for that hour


async def maintenance(ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
    await ctx.idempotency.purge_expired()
    async with ctx.db.unit_of_work() as s:
        await s.execute(delete(Job).where(Job.status == "succeeded", Job.updated_at < utcnow() - SUCCEEDED_JOBS_KEPT))
    await schedule_maintenance(ctx, timedelta(hours=1))
