"""How a burst of finished jobs slows the worker's claim on PostgreSQL, and what the worker's VACUUM gives back.

`python -m bench.jobs_index [--history 500000] [--jobs 50000] [--runs 30]` (PostgreSQL from
REWARDKIT_TEST_PG_URL; a database of its own, dropped at the end; loopback only, bounded by the
counts). The jobs table first holds `--history` succeeded jobs, vacuumed (a week of history, kept by
retention). Then a burst of `--jobs` jobs goes through it as in production: half born running
(fast-path orders' jobs), half queued and claimed, every one then finished by id, all succeeded.
The claim's pick (the SQL of jobs.repository.claim, without and with the lease-rescue clause, two
minutes later so the burst's leases have run out) is measured right after the burst and after the
VACUUM a worker runs once the table counts REWARDKIT_JOB_VACUUM_DEAD_ROWS dead rows
(jobs.repository.vacuum): the shared buffers it touches (EXPLAIN ANALYZE BUFFERS: the work done,
whatever the machine's load) and the real claim's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import time
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import repository
from rewardkit.kit.db import Database, create_engine, utcnow
from rewardkit.migrate import upgrade

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

# The pick of jobs.repository.claim (the part that reads the index), as SQL: without and with rescue.
_DUE = "status = 'queued' AND run_at <= :now"
_RESCUE = "status = 'running' AND locked_until < :now"
_ORDER = "ORDER BY run_at, id LIMIT 8 FOR UPDATE SKIP LOCKED"
_PICKS = {
    "claim": f"SELECT id FROM jobs WHERE {_DUE} {_ORDER}",
    "claim_rescue": f"SELECT id FROM jobs WHERE ({_DUE}) OR ({_RESCUE}) {_ORDER}",
}
_INSERT = (
    "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until,"
    " created_at, updated_at) SELECT :kind, '{}', :status, now(), :attempts, 10, CAST(:by AS varchar),"
    " CASE WHEN CAST(:by AS varchar) IS NULL THEN NULL ELSE now() + interval '60 seconds' END, now(), now()"
    " FROM generate_series(1, :n)"
)


async def _sql(db: Database, statement: str, **params: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _insert(db: Database, n: int, kind: str, status: str, by: str | None) -> None:
    for start in range(0, n, 5000):
        args = {"kind": kind, "status": status, "attempts": 1 if by else 0, "by": by, "n": min(5000, n - start)}
        await _sql(db, _INSERT, **args)


async def _vacuum(db: Database) -> None:
    async with db.engine.connect() as c:
        ac = await c.execution_options(isolation_level="AUTOCOMMIT")
        await ac.execute(text("VACUUM ANALYZE jobs"))


async def _burst(db: Database, jobs: int) -> None:
    half = jobs // 2
    await _insert(db, half, "bench.burst", "running", "w")  # fast-path jobs: born running
    await _insert(db, jobs - half, "bench.burst", "queued", None)
    while True:  # the queued ones, claimed as workers do
        async with AsyncSession(db.engine) as s, s.begin():
            if not await repository.claim(s, "w", utcnow(), timedelta(seconds=60), 100, rescue=False):
                break
    async with db.engine.connect() as c:
        first, last = (await c.execute(text("SELECT min(id), max(id) FROM jobs WHERE kind = 'bench.burst'"))).one()
    for start in range(first, last + 1, 1000):  # every job finishes, found by id as the worker does
        await _sql(
            db,
            "UPDATE jobs SET status = 'succeeded', locked_by = NULL, locked_until = NULL, updated_at = now()"
            " WHERE id BETWEEN :a AND :b AND status = 'running'",
            a=start,
            b=start + 999,
        )
    await _insert(db, 10, "bench.due", "queued", None)  # the work now waiting


async def _claims(db: Database, runs: int) -> dict[str, Any]:
    """Buffers of the first pick (before it marked the dead entries it met, kill_prior_tuple) and the
    median of the rest; the real claim's median time."""
    later = utcnow() + timedelta(minutes=2)  # the burst's leases have run out: the rescue reads them
    out: dict[str, Any] = {}
    for name, pick in _PICKS.items():
        buffers, took = [], []
        for _ in range(runs):
            async with AsyncSession(db.engine) as s:
                explain = text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + pick)
                plan: Any = (await s.execute(explain, {"now": later})).scalar()
                top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
                buffers.append(top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0))
                await s.rollback()
            async with AsyncSession(db.engine) as s:
                t0 = time.perf_counter()
                got = await repository.claim(s, "bench", later, timedelta(seconds=60), 8, rescue=name != "claim")
                took.append((time.perf_counter() - t0) * 1000)
                assert len(got) == 8, got
                await s.rollback()
        out[name] = {
            "buffers_first": buffers[0],
            "buffers_p50": statistics.median(buffers),
            "ms_p50": round(statistics.median(took), 2),
        }
    return out


async def _stats(db: Database) -> dict[str, Any]:
    async with db.engine.connect() as c:
        row = (
            await c.execute(
                text(
                    "SELECT n_dead_tup, autovacuum_count, pg_indexes_size('jobs') FROM pg_stat_user_tables"
                    " WHERE relname = 'jobs'"
                )
            )
        ).one()
    return {"dead_tuples": row[0], "autovacuums": row[1], "index_mib": round(row[2] / 2**20, 1)}


async def measure(admin: str, history: int, jobs: int, runs: int) -> dict[str, Any]:
    dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
    name = f"rk_bench_jobs_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    db = Database(create_engine(admin.rsplit("/", 1)[0] + "/" + name, pool_size=2, max_overflow=0))
    try:
        await upgrade(db)
        await _insert(db, history, "bench.history", "succeeded", None)
        await _vacuum(db)
        out: dict[str, Any] = {"history": history, "jobs": jobs, "runs": runs}
        await _burst(db, jobs)
        out["after_burst"] = {**await _stats(db), **await _claims(db, runs)}
        async with db.engine.connect() as c:
            t0 = time.perf_counter()
            await repository.vacuum(c)
            out["vacuum_s"] = round(time.perf_counter() - t0, 2)
        out["after_vacuum"] = {**await _stats(db), **await _claims(db, runs)}
        return out
    finally:
        await db.dispose()
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--history", type=int, default=500_000)
    p.add_argument("--jobs", type=int, default=50_000)
    p.add_argument("--runs", type=int, default=30)
    a = p.parse_args()
    admin = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
    print(json.dumps(asyncio.run(measure(admin, a.history, a.jobs, a.runs)), indent=1))


if __name__ == "__main__":
    main()
