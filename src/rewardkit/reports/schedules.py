"""Report schedules: a run every day (of the previous day) or month (of the previous month), in the
schedule's time zone, each delivered as the `report.succeeded` event (webhooks carry its download
link) and, when the schedule names one, an email with the link. One `reports.schedule` job per due
time: the job advances the schedule and records the run in one transaction, so a period is run once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.reports import repository, service
from rewardkit.reports.errors import ScheduleNotFound
from rewardkit.reports.models import SCHEDULE_JOB, ReportRun, ReportSchedule
from rewardkit.reports.render import render_schedule
from rewardkit.reports.schemas import ScheduleCreate
from rewardkit.reports.timeframe import zone

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# The job runs this long after the period's end, so that every transaction stamped inside it has
# committed (statements.CLOSE_GRACE says the same for months).
RUN_DELAY = timedelta(minutes=10)


def _midnight(d: datetime, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)


def next_boundary(frequency: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first local midnight (daily) or first of a month (monthly) strictly after `after`, in UTC."""
    local = after.astimezone(tz)
    if frequency == "daily":
        day = local.date() + timedelta(days=1)
        return _midnight(datetime(day.year, day.month, day.day), tz)
    year, month = local.year + (local.month == 12), local.month % 12 + 1
    return datetime(year, month, 1, tzinfo=tz).astimezone(UTC)


def previous_boundary(frequency: str, tz: ZoneInfo, boundary: datetime) -> datetime:
    local = boundary.astimezone(tz)
    if frequency == "daily":
        day = local.date() - timedelta(days=1)
        return _midnight(datetime(day.year, day.month, day.day), tz)
    year, month = local.year - (local.month == 1), (local.month - 2) % 12 + 1
    return datetime(year, month, 1, tzinfo=tz).astimezone(UTC)


async def _queue(s: AsyncSession, sch_id: str, at: datetime) -> None:
    """The job of one due time, once: a time already queued (its unique key) is left as it is."""
    key = f"{SCHEDULE_JOB}:{sch_id}:{at.isoformat()}"
    payload = {"schedule_id": sch_id, "at": at.isoformat()}
    try:
        async with s.begin_nested():
            await jobs.enqueue(s, SCHEDULE_JOB, payload, run_at=at + RUN_DELAY, unique_key=key)
    except IntegrityError:
        pass


async def create(ctx: Runtime, ident: Principal, req: ScheduleCreate) -> dict[str, Any]:
    tz = zone(req.timezone)
    columns = [c.name for c in service.columns_of(ctx, req.type, req.columns)]
    now = utcnow()
    sch = ReportSchedule(
        id=new_id("rps"),
        org_id=ident.org_id,
        mode=ident.mode,
        type=req.type,
        frequency=req.frequency,
        timezone=req.timezone,
        currency=service.run_currency(req.currency),
        columns=columns,
        format=req.format,
        email=str(req.email) if req.email else None,
        next_run_at=next_boundary(req.frequency, tz, now),
        created_at=now,
    )
    async with ctx.db.unit_of_work() as s:
        await repository.insert_schedule(s, sch)
        assert sch.next_run_at is not None
        await _queue(s, sch.id, sch.next_run_at)
    return render_schedule(sch)


async def get(ctx: Runtime, ident: Principal, schedule_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        sch = await repository.find_schedule(s, ident.org_id, ident.mode, schedule_id)
    if sch is None:
        raise ScheduleNotFound(f"No report schedule {schedule_id!r} in this org and mode.")
    return render_schedule(sch)


async def list_schedules(ctx: Runtime, ident: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.schedules(s, ident.org_id, ident.mode, decode_cursor(cursor), limit)
    return page(rows, limit, key=lambda r: r.id, render=render_schedule)


async def delete(ctx: Runtime, ident: Principal, schedule_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        sch = await repository.find_schedule(s, ident.org_id, ident.mode, schedule_id)
        if sch is None:
            raise ScheduleNotFound(f"No report schedule {schedule_id!r} in this org and mode.")
        sch.deleted_at, sch.next_run_at = utcnow(), None  # its queued job finds it no longer due
        body = render_schedule(sch)
    return body


async def due(ctx: Runtime, schedule_id: str, at_iso: str) -> str:
    """Run the period that ended at `at` (once: the schedule moves on in the run's own transaction)."""
    at = datetime.fromisoformat(at_iso)
    async with ctx.db.unit_of_work(readonly=True) as s:
        sch = await s.get(ReportSchedule, schedule_id)
    if sch is None or sch.deleted_at is not None or sch.next_run_at != at:
        return "not due"
    tz = zone(sch.timezone)
    nxt = next_boundary(sch.frequency, tz, at)
    rr = service.RunRequest(
        type=sch.type,
        start=previous_boundary(sch.frequency, tz, at),
        end=at,
        timezone=sch.timezone,
        currency=sch.currency,
        columns=sch.columns,
        format=sch.format,
        schedule_id=sch.id,
    )

    async def advance(s: AsyncSession, run: ReportRun) -> bool:
        if not await repository.advance_schedule(s, sch.id, at, nxt, run.id):
            return False
        await _queue(s, sch.id, nxt)
        return True

    run = await service.start(ctx, sch.org_id, sch.mode, rr, inline_rows=None, also=advance)
    if run is None:
        return "run by another worker"
    if sch.email and run.status == "succeeded":
        await service.email_link(ctx, run, sch.email)
    return run.status
