"""Durable jobs: enqueue inside the caller's transaction; workers claim with a lease, retry with
exponential backoff and jitter, and bury a job that exhausts its attempts as `dead`."""

from __future__ import annotations

import random
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import repository
from rewardkit.jobs.models import Job
from rewardkit.kit import sql
from rewardkit.kit.db import NOTIFY_KEY, utcnow

_INSERT = insert(sql.table(Job)).returning(sql.table(Job).c.id)
CHANNEL = "rewardkit_jobs"


class Retry(Exception):
    """Raised by a handler to ask for another attempt, optionally at a given delay."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class Defer(Exception):
    """Raised by a handler to run again later without spending an attempt: waiting on a supplier
    that is still working, or on a free slot, is not a failure."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay


async def enqueue(
    s: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 10,
    claimed_by: str | None = None,
    lease: timedelta | None = None,
) -> Job:
    """Queue a job in the caller's transaction. With `claimed_by`, the job is born claimed by that
    worker (the caller runs it right after commit: the order fast path); if that process dies, the
    lease runs out and any worker takes it over, exactly as for a job claimed the usual way."""
    now = utcnow()
    job = _new_job(kind, payload, now, unique_key=unique_key, run_at=run_at or now, max_attempts=max_attempts)
    if claimed_by is not None:
        job.status, job.attempts, job.locked_by = "running", 1, claimed_by
        job.locked_until = now + (lease or timedelta(seconds=60))
    # Core, not the ORM: a job is written by every order. A duplicate unique_key raises here and rolls
    # the caller's transaction back.
    job.id = (await sql.run(s, _INSERT, sql.row_values(job))).scalar_one()
    if claimed_by is None:
        notify_after_commit(s)
    return job


def notify_after_commit(s: AsyncSession) -> None:
    """Wake the workers once this transaction has committed (PostgreSQL NOTIFY, sent by the unit of
    work: kit/db.py), instead of at their next poll. SQLite has no such signal: workers poll."""
    s.info.setdefault(NOTIFY_KEY, set()).add(CHANNEL)


def new_queued(kind: str, payloads: list[dict[str, Any]], max_attempts: int = 10) -> list[Job]:
    """Queued jobs (enqueue() for a batch, no unique keys), not written yet: write them with insert_rows
    (sql.write_all), then call notify_after_commit."""
    now = utcnow()
    return [_new_job(kind, payload, now, max_attempts=max_attempts) for payload in payloads]


def _new_job(kind: str, payload: dict[str, Any], now: datetime, **changes: Any) -> Job:
    """A queued job, as enqueue() writes it, with some columns changed."""
    values: dict[str, Any] = {
        "kind": kind,
        "payload": payload,
        "status": "queued",
        "unique_key": None,
        "run_at": now,
        "attempts": 0,
        "max_attempts": 10,
        "locked_by": None,
        "locked_until": None,
        "created_at": now,
        "updated_at": now,
    }
    values.update(changes)
    return Job(**values)


def new_claimed(
    kind: str, unique_keys: list[str], payloads: list[dict[str, Any]], worker: str, lease: timedelta
) -> list[Job]:
    """Jobs born claimed by `worker` (enqueue() with claimed_by, for a group-commit batch), not written
    yet: write them with insert_rows (returning KEYED) in one round trip with other rows
    (sql.write_all), then adopt_ids. Each needs its own unique key, which tells the ids apart."""
    now = utcnow()
    return [
        _new_job(
            kind, payload, now, status="running", unique_key=key, attempts=1, locked_by=worker, locked_until=now + lease
        )
        for key, payload in zip(unique_keys, payloads, strict=True)
    ]


_JOBS = sql.table(Job)
KEYED = (_JOBS, ("id", "unique_key"))  # what an insert of keyed jobs returns: their ids, told apart by key


def insert_rows(made: list[Job]) -> sql.Insert:
    return sql.Insert(_JOBS, [sql.row_values(j) for j in made])


def adopt_ids(made: list[Job], returned: list[Any]) -> None:
    ids = {r.unique_key: r.id for r in returned}
    for job in made:
        job.id = ids[job.unique_key]


@dataclass
class Run:
    """The job a worker is running in this task, so a handler can finish it in its own last transaction."""

    job_id: int
    worker: str
    finished: bool = False


current_run: ContextVar[Run | None] = ContextVar("current_run", default=None)


def succeeded_values(now: datetime) -> dict[str, Any]:
    return {"status": "succeeded", "locked_by": None, "locked_until": None, "last_error": None, "updated_at": now}


async def finish_current(s: AsyncSession) -> None:
    """Mark the running job succeeded inside the handler's final transaction (one commit fewer per job).
    The worker then skips its own finishing transaction; if this transaction rolls back, the handler
    raises and the worker records the failure as usual. Guarded like every finish: only the lease holder."""
    run = current_run.get()
    if run is None:
        return
    run.finished = await repository.finish(s, run.job_id, run.worker, succeeded_values(utcnow()))


async def fail_current(s: AsyncSession, error: str) -> None:
    """Bury the running job as `dead` inside the handler's transaction, without spending its other
    attempts: for a failure no retry can fix (a mail server's permanent refusal). The handler then
    returns normally and the worker records nothing more. Guarded like every finish: only the lease holder."""
    run = current_run.get()
    if run is None:
        return
    values = {"status": "dead", "last_error": error[:2000], "locked_by": None, "locked_until": None,
              "updated_at": utcnow()}  # fmt: skip
    run.finished = await repository.finish(s, run.job_id, run.worker, values)


async def finish_runs(s: AsyncSession, runs: list[Run]) -> None:
    """finish_current() for the runs of a batch (group commit), in the batch's transaction."""
    by_worker: dict[str, list[Run]] = {}
    for run in runs:
        by_worker.setdefault(run.worker, []).append(run)
    now = utcnow()
    for worker, mine in by_worker.items():
        held = await repository.finish_succeeded(s, [r.job_id for r in mine], worker, now)
        for run in mine:
            run.finished = run.job_id in held


def finish_write(runs: list[Run], now: datetime) -> sql.Update | None:
    """finish_runs as a write for sql.write_all (returning FINISHED; then adopt_finished), when the runs
    are one worker's (a batch of one process); None otherwise (use finish_runs)."""
    workers = {run.worker for run in runs}
    if len(workers) != 1:
        return None
    rows = [
        {
            "id": run.job_id,
            "status": "succeeded",
            "locked_by": None,
            "locked_until": None,
            "last_error": None,
            "updated_at": now,
        }
        for run in runs
    ]
    return sql.Update(_JOBS, where=("id",), rows=rows, only=(("status", "running"), ("locked_by", workers.pop())))


FINISHED = (_JOBS, ("id",))  # what finish_write returns: the ids of the jobs still held


def adopt_finished(runs: list[Run], returned: list[Any]) -> None:
    held = {r.id for r in returned}
    for run in runs:
        run.finished = run.job_id in held


def backoff(attempts: int, base: float = 2.0, cap: float = 3600.0, rng: random.Random | None = None) -> float:
    """Full jitter (AWS architecture blog): uniform between base and base * 2**attempts, capped."""
    high = min(cap, base * (2 ** max(0, attempts - 1)))
    return (rng or random).uniform(min(base, high), high)


def retry_values(job: Job, error: str, delay: float | None, now: datetime, base: float = 2.0) -> dict[str, Any]:
    if job.attempts >= job.max_attempts:
        return {
            "status": "dead",
            "last_error": error[:2000],
            "locked_by": None,
            "locked_until": None,
            "updated_at": now,
        }
    wait = delay if delay is not None else backoff(job.attempts, base=base)
    return {
        "status": "queued",
        "run_at": now + timedelta(seconds=wait),
        "last_error": error[:2000],
        "locked_by": None,
        "locked_until": None,
        "updated_at": now,
    }


def defer_values(job: Job, reason: str, delay: float, now: datetime) -> dict[str, Any]:
    return {
        "status": "queued",
        "run_at": now + timedelta(seconds=delay),
        "attempts": max(0, job.attempts - 1),  # the claim counted one; a deferral is not an attempt
        "last_error": reason[:2000],
        "locked_by": None,
        "locked_until": None,
        "updated_at": now,
    }


async def stop(s: AsyncSession, unique_key: str, reason: str) -> bool:
    """In the caller's transaction: end the keyed job (queued or running) whose work is no longer
    wanted, e.g. the fulfilment of a canceled order; False if there was none left to stop."""
    return await repository.stop_by_key(s, unique_key, reason, utcnow())


async def list_jobs(s: AsyncSession, status: str | None, limit: int) -> list[Job]:
    """Newest first (`rewardkit jobs list`)."""
    return await repository.list_jobs(s, status, limit)


async def retry_dead(s: AsyncSession, job_id: int) -> bool:
    """A dead job gets a fresh set of attempts, due now; False if it is not dead."""
    return await repository.requeue(s, job_id, utcnow())


async def open_job_counts(s: AsyncSession) -> list[tuple[tuple[str, str], float]]:
    """The rewardkit_jobs{kind,state} gauge: queued, running and dead jobs by kind (kit/metrics.py)."""
    return [((kind, status), float(n)) for kind, status, n in await repository.count_open(s)]


def _marker_key(name: str) -> str:
    return f"marker:{name}"


async def record_success(s: AsyncSession, name: str) -> None:
    """Remember that `name` (e.g. `ledger.verify`, run by the CLI outside any worker) last succeeded now,
    as one succeeded row of the jobs table (no table of its own): its updated_at is the time. It is
    kept while it is refreshed at least once per retention period (maintenance purges old succeeded
    jobs), so a verify that stops running shows as a growing age, then as a missing sample."""
    now = utcnow()
    job = await repository.get_by_key(s, _marker_key(name))
    if job is None:
        s.add(_new_job(name, {}, now, status="succeeded", unique_key=_marker_key(name), max_attempts=0))
    else:
        job.updated_at = job.run_at = now


async def last_success(s: AsyncSession, name: str) -> datetime | None:
    job = await repository.get_by_key(s, _marker_key(name))
    return job.updated_at if job is not None else None
