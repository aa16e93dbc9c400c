"""All SQL of the job table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from rewardkit.jobs.models import Job
from rewardkit.kit import sql

_JOBS = sql.table(Job)


_NOW = bindparam("now", type_=_JOBS.c.run_at.type)
_CLAIMS: dict[tuple[bool, bool, bool], Any] = {}


def _claim_stmt(postgres: bool, by_id: bool, rescue: bool) -> Any:
    """One statement: pick due jobs and take them, RETURNING the claimed rows (built once per variant).
    `rescue` also takes running jobs whose lease ran out (a dead worker's)."""
    stmt = _CLAIMS.get((postgres, by_id, rescue))
    if stmt is None:
        due: Any = and_(_JOBS.c.status == "queued", _JOBS.c.run_at <= _NOW)
        if rescue:
            due = or_(due, and_(_JOBS.c.status == "running", _JOBS.c.locked_until < _NOW))
        pick = select(_JOBS.c.id).where(due)
        if by_id:
            pick = pick.where(_JOBS.c.id == bindparam("job_id"))
        else:
            pick = pick.order_by(_JOBS.c.run_at, _JOBS.c.id).limit(bindparam("limit"))
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(_JOBS)
            .where(_JOBS.c.id.in_(pick))
            .values(
                status="running",
                locked_by=bindparam("worker"),
                locked_until=bindparam("until", type_=_JOBS.c.locked_until.type),
                attempts=_JOBS.c.attempts + 1,
                updated_at=_NOW,
            )
            .returning(*_JOBS.c)
        )
        _CLAIMS[(postgres, by_id, rescue)] = stmt
    return stmt


async def claim(
    s: AsyncSession,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    job_id: int | None = None,
    *,
    rescue: bool = True,
) -> list[Job]:
    """Take up to `limit` due jobs. PostgreSQL: FOR UPDATE SKIP LOCKED, so workers never wait on each
    other; SQLite: the write transaction (BEGIN IMMEDIATE) already makes us the only claimer.

    rescue=False leaves out running jobs with an expired lease. Looking for those reads every index
    entry of status 'running', including the dead ones every finished job leaves until VACUUM (each
    fast-path order's job is born running), so after an order burst it made every claim slow.
    Workers rescue at most once per poll."""
    stmt = _claim_stmt(s.get_bind().dialect.name == "postgresql", job_id is not None, rescue or job_id is not None)
    params = {"now": now, "worker": worker, "until": now + lease, "limit": limit, "job_id": job_id}
    rows = await sql.run(s, stmt, params)
    return sorted((sql.from_row(Job, r) for r in rows), key=lambda j: j.id)


async def finish(s: AsyncSession, job_id: int, worker: str, values: dict[str, Any]) -> bool:
    """Only the lease holder may finish a job; a worker whose lease was taken over is ignored."""
    res = await sql.run(s, _finish_stmt(tuple(values)), {"job_id": job_id, "worker": worker, **values})
    return bool(res.rowcount)


_FINISH_STMTS: dict[tuple[str, ...], Any] = {}


def _finish_stmt(cols: tuple[str, ...]) -> Any:
    """Built once per set of columns (succeeded, retry, defer, dead): every job is finished."""
    stmt = _FINISH_STMTS.get(cols)
    if stmt is None:
        stmt = (
            update(_JOBS)
            .where(
                _JOBS.c.id == bindparam("job_id"),
                _JOBS.c.locked_by == bindparam("worker"),
                _JOBS.c.status == "running",
            )
            .values({c: bindparam(c, type_=_JOBS.c[c].type) for c in cols})
        )
        _FINISH_STMTS[cols] = stmt
    return stmt


_FINISH_MANY = (
    update(_JOBS)
    .where(
        _JOBS.c.id.in_(bindparam("job_ids", expanding=True)),
        _JOBS.c.locked_by == bindparam("worker"),
        _JOBS.c.status == "running",
    )
    .values(status="succeeded", locked_by=None, locked_until=None, last_error=None, updated_at=_NOW)
    .returning(_JOBS.c.id)
)


async def finish_succeeded(s: AsyncSession, job_ids: list[int], worker: str, now: datetime) -> set[int]:
    """finish() as succeeded for several jobs of one worker: the ids it still held."""
    rows = await sql.run(s, _FINISH_MANY, {"job_ids": job_ids, "worker": worker, "now": now})
    return {r[0] for r in rows}


async def stop_by_key(s: AsyncSession, unique_key: str, reason: str, now: datetime) -> bool:
    """End a keyed job that is queued or running, as succeeded (its work is moot). A worker running it
    keeps its lease no longer: its finish is guarded by `locked_by` and status, so it changes nothing."""
    res = await s.execute(
        update(Job)
        .where(Job.unique_key == unique_key, Job.status.in_(("queued", "running")))
        .values(status="succeeded", locked_by=None, locked_until=None, last_error=reason, updated_at=now)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def list_jobs(s: AsyncSession, status: str | None, limit: int) -> list[Job]:
    q = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        q = q.where(Job.status == status)
    return list((await s.execute(q)).scalars())


async def requeue(s: AsyncSession, job_id: int, now: datetime) -> bool:
    res = await s.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "dead")
        .values(status="queued", run_at=now, attempts=0, locked_by=None, locked_until=None, updated_at=now)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def get(s: AsyncSession, job_id: int) -> Job | None:
    return await s.get(Job, job_id)


# The states a job waits or sits in; succeeded jobs are not counted (they pile up until maintenance
# purges them, and counting them would scan the table on every scrape). ix_jobs_due leads with status.
OPEN_STATUSES = ("queued", "running", "dead")


async def count_open(s: AsyncSession) -> list[tuple[str, str, int]]:
    """(kind, status, count) of every job not succeeded (the rewardkit_jobs gauge)."""
    q = (
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_(OPEN_STATUSES))
        .group_by(Job.kind, Job.status)
    )
    return [(kind, status, int(n)) for kind, status, n in (await s.execute(q)).all()]


async def get_by_key(s: AsyncSession, unique_key: str) -> Job | None:
    return (await s.execute(select(Job).where(Job.unique_key == unique_key))).scalar_one_or_none()
async def dead_rows(s: AsyncSession) -> int:
    """PostgreSQL: the dead row versions of the jobs table its statistics count (each with index entries
    that claims still read until VACUUM)."""
    found = await s.execute(text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'jobs'::regclass"))
    return int(found.scalar() or 0)


async def vacuum(conn: AsyncConnection) -> None:
    """PostgreSQL: VACUUM the jobs table (not FULL: reads and writes go on). SKIP_LOCKED: if another
    VACUUM (autovacuum, another worker) holds the table, this one is skipped, never queued behind it."""
    auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
    await auto.exec_driver_sql("VACUUM (SKIP_LOCKED) jobs")
