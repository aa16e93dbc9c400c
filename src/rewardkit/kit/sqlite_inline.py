"""SQLite without a thread hop per statement, for SQLAlchemy's aiosqlite dialect (its `async_creator`).

aiosqlite runs every call on a thread of its own and hands the result back through the event loop;
SQLAlchemy makes several such calls per statement. A SQLite statement itself takes microseconds, so
those hand-offs were most of an order's cost on the embedded default (bench/results/latest.md).
This connection runs statements on the event loop's thread, and only what can wait goes to a
thread: COMMIT (its fsync) and a statement that found the database locked by another process
(retried there with the busy timeout, so the event loop never sleeps in SQLite's busy handler).

The objects mimic the parts of aiosqlite's Connection and Cursor that SQLAlchemy's adapter uses.
One connection is used by one unit of work at a time (the pool and the adapter's mutex see to that),
so handing it to a thread while the coroutine waits is safe (check_same_thread=False).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "database is locked" in str(exc)
    )


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # SQLAlchemy checks it before commit/rollback
        self._tx = _RunNow()  # SQLAlchemy's isolation_level setter queues a function here

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _CursorOpener:
        return _CursorOpener(self)

    async def commit(self) -> None:
        await asyncio.to_thread(self._conn.commit)  # the fsync: off the event loop

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a statement here; if another process holds the lock, wait for it on a thread instead."""
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        return await asyncio.to_thread(self._waiting, fn, *args)

    def _waiting(self, fn: Callable[..., T], *args: Any) -> T:
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return fn(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")


class _RunNow:
    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, fn = item
        try:
            future.set_result(fn())
        except Exception as exc:
            future.set_exception(exc)


class _CursorOpener:
    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner

    async def __aenter__(self) -> InlineCursor:
        return InlineCursor(self._owner)

    def __await__(self) -> Any:
        return self.__aenter__().__await__()


class InlineCursor:
    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self._cur = owner._conn.cursor()

    @property
    def description(self) -> Any:
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cur.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cur.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cur.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await self._owner.run(self._cur.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._owner.run(self._cur.executemany, sql, list(seq))
        return self

    async def fetchone(self) -> Any:
        return self._cur.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cur.fetchmany(size if size is not None else self._cur.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    async def close(self) -> None:
        self._cur.close()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cur.close()


def creator(path: str) -> Callable[[], Any]:
    """The `async_creator` for create_async_engine: a new inline connection to `path`."""

    async def connect() -> InlineConnection:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=0")  # waiting is done on a thread (InlineConnection.run)
        return InlineConnection(conn)

    return connect
