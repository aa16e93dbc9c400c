"""Dead index entries of the jobs table: after a burst of finished jobs, the worker's VACUUM gives the
claim back its speed (measured as the index and table pages the claim's pick reads, not as time)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import text

from rewardkit.jobs.worker import Worker
from rewardkit.runtime import Runtime

# The rescue claim's pick (jobs.repository.claim): it reads every index entry of status 'running'.
PICK = (
    "SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= now() + interval '2 minutes')"
    " OR (status = 'running' AND locked_until < now() + interval '2 minutes')"
    " ORDER BY run_at, id LIMIT 8 FOR UPDATE SKIP LOCKED"
)


async def _burst(ctx: Runtime, kind: str, n: int) -> None:
    """n jobs born running (as fast-path orders' jobs are), each finished by id as a worker does."""
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            text(
                "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until,"
                " created_at, updated_at) SELECT :kind, '{}', 'running', now(), 1, 10, 'w',"
                " now() + interval '60 seconds', now(), now() FROM generate_series(1, :n)"
            ),
            {"kind": kind, "n": n},
        )
    async with ctx.db.unit_of_work() as s:
        ids = [r[0] for r in await s.execute(text("SELECT id FROM jobs WHERE kind = :kind"), {"kind": kind})]
    for start in range(0, n, 500):
        async with ctx.db.unit_of_work() as s:
            await s.execute(
                text(
                    "UPDATE jobs SET status = 'succeeded', locked_by = NULL, locked_until = NULL"
                    " WHERE id BETWEEN :a AND :b AND status = 'running'"
                ),
                {"a": ids[start], "b": ids[min(start + 499, n - 1)]},
            )


async def _pages_read(ctx: Runtime) -> int:
    async with ctx.db.engine.connect() as conn:
        plan: Any = (await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + PICK))).scalar()
        await conn.rollback()
    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return int(top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0))


async def test_the_workers_vacuum_removes_the_dead_entries_a_burst_leaves(ctx: Runtime, db_kind: str) -> None:
    worker = Worker(ctx, {}, name="w-vacuum")
    if db_kind == "sqlite":
        # SQLite deletes index entries in place: there is nothing to vacuum, and the worker never tries.
        assert await worker.vacuum_if_dead(threshold=0) is False
        return
    await _burst(ctx, f"test.burst.{secrets.token_hex(3)}", 6000)
    before = await _pages_read(ctx)
    assert await worker.vacuum_if_dead(threshold=10**9) is False  # below the threshold: left to autovacuum
    # 0: whatever the statistics say (they reach pg_stat_user_tables a moment after each transaction).
    assert await worker.vacuum_if_dead(threshold=0) is True
    after = await _pages_read(ctx)
    assert after * 3 < before, (before, after)
