"""Every query of the reports domain's own tables (report runs, their chunks, schedules, statement
periods). The ledger and the products are read through their own exports.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.reports.models import ReportChunk, ReportRun, ReportSchedule, StatementPeriod


async def insert_run(s: AsyncSession, run: ReportRun) -> None:
    s.add(run)
    await s.flush()


async def find_run(s: AsyncSession, org_id: str, mode: str, run_id: str) -> ReportRun | None:
    return (
        await s.execute(
            select(ReportRun).where(ReportRun.id == run_id, ReportRun.org_id == org_id, ReportRun.mode == mode)
        )
    ).scalar_one_or_none()


async def run_by_id(s: AsyncSession, run_id: str) -> ReportRun | None:
    return await s.get(ReportRun, run_id)


async def runs(s: AsyncSession, org_id: str, mode: str, before: str | None, limit: int) -> list[ReportRun]:
    q = select(ReportRun).where(ReportRun.org_id == org_id, ReportRun.mode == mode)
    if before:
        q = q.where(ReportRun.id < before)
    return list((await s.execute(q.order_by(ReportRun.id.desc()).limit(limit + 1))).scalars())


async def finish_run(s: AsyncSession, run_id: str, values: dict[str, Any]) -> bool:
    """Pending -> succeeded | failed, once: False if another builder finished it first."""
    result = await s.execute(
        update(ReportRun).where(ReportRun.id == run_id, ReportRun.status == "pending").values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_chunk(s: AsyncSession, run_id: str, seq: int, data: bytes) -> None:
    await s.execute(insert(ReportChunk).values(run_id=run_id, seq=seq, data=data))


async def delete_chunks(s: AsyncSession, run_id: str) -> None:
    await s.execute(delete(ReportChunk).where(ReportChunk.run_id == run_id))


async def chunk(s: AsyncSession, run_id: str, seq: int) -> bytes | None:
    return (
        await s.execute(select(ReportChunk.data).where(ReportChunk.run_id == run_id, ReportChunk.seq == seq))
    ).scalar_one_or_none()


async def chunk_count(s: AsyncSession, run_id: str) -> int:
    return int((await s.execute(select(func.count()).where(ReportChunk.run_id == run_id))).scalar_one())


# --- schedules --------------------------------------------------------------------------------------


async def insert_schedule(s: AsyncSession, schedule: ReportSchedule) -> None:
    s.add(schedule)
    await s.flush()


async def find_schedule(s: AsyncSession, org_id: str, mode: str, schedule_id: str) -> ReportSchedule | None:
    return (
        await s.execute(
            select(ReportSchedule).where(
                ReportSchedule.id == schedule_id,
                ReportSchedule.org_id == org_id,
                ReportSchedule.mode == mode,
                ReportSchedule.deleted_at.is_(None),
            )
        )
    ).scalar_one_or_none()


async def schedules(s: AsyncSession, org_id: str, mode: str, before: str | None, limit: int) -> list[ReportSchedule]:
    q = select(ReportSchedule).where(
        ReportSchedule.org_id == org_id, ReportSchedule.mode == mode, ReportSchedule.deleted_at.is_(None)
    )
    if before:
        q = q.where(ReportSchedule.id < before)
    return list((await s.execute(q.order_by(ReportSchedule.id.desc()).limit(limit + 1))).scalars())


async def due_schedules(s: AsyncSession, now: datetime, limit: int) -> list[ReportSchedule]:
    q = (
        select(ReportSchedule)
        .where(ReportSchedule.next_run_at <= now, ReportSchedule.deleted_at.is_(None))
        .order_by(ReportSchedule.next_run_at)
        .limit(limit)
    )
    return list((await s.execute(q)).scalars())


async def advance_schedule(s: AsyncSession, schedule_id: str, was: datetime, nxt: datetime, run_id: str) -> bool:
    """Move a due schedule to its next time, once (a concurrent runner that lost finds rowcount 0)."""
    result = await s.execute(
        update(ReportSchedule)
        .where(ReportSchedule.id == schedule_id, ReportSchedule.next_run_at == was)
        .values(next_run_at=nxt, last_run_id=run_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- statements -------------------------------------------------------------------------------------


async def find_period(
    s: AsyncSession, org_id: str, mode: str, currency: str, month: str, timezone: str
) -> StatementPeriod | None:
    return (
        await s.execute(
            select(StatementPeriod).where(
                StatementPeriod.org_id == org_id,
                StatementPeriod.mode == mode,
                StatementPeriod.currency == currency,
                StatementPeriod.month == month,
                StatementPeriod.timezone == timezone,
            )
        )
    ).scalar_one_or_none()


async def insert_period(s: AsyncSession, values: dict[str, Any]) -> None:
    await s.execute(insert(StatementPeriod).values(**values))


def ids(rows: Sequence[Any]) -> list[str]:
    return [r.id for r in rows]
