"""Job handlers of reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.reports import schedules, service

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def run(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """reports.run: build a run its request left pending (too large to build at once, or interrupted)."""
    return await service.run_job(ctx, payload["run_id"])


async def schedule(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """reports.schedule, queued at a schedule's next_run_at: run its period, queue the next one."""
    return await schedules.due(ctx, payload["schedule_id"], payload["at"])
