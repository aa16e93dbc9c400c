"""The unit of work on SQLite: writers of one process queue on a lock, and nesting one in another fails loudly."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from rewardkit.runtime import Runtime


async def test_concurrent_writers_of_one_process_all_commit(ctx: Runtime) -> None:
    async def write(n: int) -> int:
        async with ctx.db.unit_of_work() as s:
            await asyncio.sleep(0)  # yield inside the transaction, as real work does
            return int((await s.execute(text("SELECT CAST(:n AS INTEGER)"), {"n": n})).scalar_one())

    assert sorted(await asyncio.gather(*(write(n) for n in range(50)))) == list(range(50))


async def test_a_write_unit_of_work_inside_another_is_refused_on_sqlite(ctx: Runtime, db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("PostgreSQL allows two connections of one task; the lock exists for SQLite's one writer")
    async with ctx.db.unit_of_work():
        with pytest.raises(RuntimeError, match="wait for itself"):
            async with ctx.db.unit_of_work():
                pass
    async with ctx.db.unit_of_work(readonly=True), ctx.db.unit_of_work():  # a reader may hold a writer
        pass
