"""The inline SQLite connection: while another process holds the write lock, a write waits on a thread
and the event loop keeps serving; then it goes through."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rewardkit.runtime import Runtime


async def test_a_locked_database_does_not_stall_the_event_loop(ctx: Runtime, db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("SQLite only: PostgreSQL waits on row locks in the server, not in our process")
    path = make_url(str(ctx.db.engine.url)).database
    assert path
    ticked = threading.Event()
    locked = threading.Event()

    def other_process_holds_the_write_lock() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        ticked.wait(timeout=10)  # released once the event loop has shown it is still running
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=other_process_holds_the_write_lock)
    holder.start()
    assert await asyncio.to_thread(locked.wait, 10)

    async def write() -> int:
        async with ctx.db.unit_of_work() as s:
            return int((await s.execute(text("SELECT 42"))).scalar_one())

    writing = asyncio.create_task(write())
    ticks = 0
    while not writing.done() and ticks < 20:
        await asyncio.sleep(0.01)
        ticks += 1
    assert not writing.done() and ticks == 20  # the write waits, and the loop ran meanwhile
    ticked.set()
    assert await asyncio.wait_for(writing, 10) == 42
    await asyncio.to_thread(holder.join, 10)
