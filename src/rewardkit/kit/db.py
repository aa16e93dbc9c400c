"""Engines, the declarative base, and the unit of work (one transaction per request or job).

SQLite: WAL, busy_timeout, foreign keys, and BEGIN IMMEDIATE for write transactions: a deferred BEGIN
that reads and then writes fails with SQLITE_BUSY under concurrency instead of waiting its turn.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

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
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control away from the driver so that BEGIN is ours to write.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # durable commits, as on PostgreSQL
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=False)


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._lock_owner: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] = (
            weakref.WeakKeyDictionary()
        )
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
        async with maker() as session, session.begin():
            yield session

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
        await self.engine.dispose()
