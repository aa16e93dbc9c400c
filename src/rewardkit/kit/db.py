"""Engines, the declarative base, and the unit of work (one transaction per request or job).

SQLite: WAL, busy_timeout, foreign keys, and BEGIN IMMEDIATE for write transactions: a deferred BEGIN
that reads and then writes fails with SQLITE_BUSY under concurrency instead of waiting its turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from rewardkit.kit import sqlite_inline

log = logging.getLogger("rewardkit.db")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit column.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def create_engine(url: str, *, pool_size: int = 20, max_overflow: int = 20, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        if not path or path == ":memory:":
            raise ValueError("SQLite needs a file (several connections share one database)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,  # a database error's message must not carry request data (kit/logs.py)
            pool_size=pool_size,
            max_overflow=max_overflow,
            async_creator=sqlite_inline.creator(path),  # statements on the event loop (kit/sqlite_inline.py)
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control away from the driver so that BEGIN is ours to write.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # durable commits, as on PostgreSQL
            # busy_timeout stays 0 here: a statement that finds the database locked by another process
            # waits on a thread (sqlite_inline), never in SQLite's busy handler on the event loop.
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=False
    )


# A unit of work adds channel names to session.info[NOTIFY_KEY]; after it commits (PostgreSQL), each
# channel gets a NOTIFY. Listeners (job workers) wake on it instead of waiting for their next poll.
NOTIFY_KEY = "notify_after_commit"


class _Notifier:
    """Sends NOTIFY after commit, from a background task on a connection of its own, coalescing a burst
    into one per channel. Not inside the work's transaction: PostgreSQL holds a database-wide lock from
    a notifying commit's start to its end, which made every order commit wait for the one before it
    (timeouts at 100 orders/s in the benchmark). A NOTIFY lost to a crash only costs a poll interval."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    def send(self, channels: set[str]) -> None:
        self._pending |= channels
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(self._wake))
        assert self._wake is not None
        self._wake.set()

    async def _run(self, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            wake.clear()
            channels, self._pending = self._pending, set()
            try:
                async with self.engine.connect() as conn:
                    for channel in sorted(channels):
                        await conn.execute(_PG_NOTIFY, {"channel": channel})
                    await conn.commit()
            except Exception as exc:  # the database may be briefly away: listeners still poll
                log.warning("NOTIFY failed (%s); listeners fall back to polling", type(exc).__name__)
            await asyncio.sleep(0.002)  # let a burst of commits gather into the next NOTIFY

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
        self._task = None


_PG_NOTIFY = text("SELECT pg_notify(:channel, '')")


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._lock_owner: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] = (
            weakref.WeakKeyDictionary()
        )
        self._notifier = _Notifier(engine)
        self._writer = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._reader = async_sessionmaker(
            engine.execution_options(readonly=True), expire_on_commit=False, autoflush=False
        )

    @asynccontextmanager
    async def unit_of_work(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back on any exception.

        Services never commit; whoever opens the unit of work does.
        """
        maker = self._reader if readonly else self._writer
        if self.is_sqlite and not readonly:
            async with self._sqlite_writer(), maker() as session, session.begin():
                yield session
            return
        async with maker() as session:
            async with session.begin():
                yield session
            channels = session.info.get(NOTIFY_KEY)
            if channels:  # committed
                self._notifier.send(channels)

    @asynccontextmanager
    async def _sqlite_writer(self) -> AsyncIterator[None]:
        """SQLite has one writer at a time. Within a process, writers queue on an asyncio lock instead of
        on SQLite's busy handler, which sleeps up to 100 ms between tries (most of an order's latency
        under load); other processes (workers) are still kept out by BEGIN IMMEDIATE + busy_timeout."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        me = asyncio.current_task()
        if self._lock_owner.get(loop) is me:
            raise RuntimeError("a write unit of work opened inside another one would wait for itself")
        async with lock:
            self._lock_owner[loop] = me
            try:
                yield
            finally:
                self._lock_owner[loop] = None

    async def dispose(self) -> None:
        await self._notifier.close()
        await self.engine.dispose()
