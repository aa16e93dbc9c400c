"""Alembic, driven from code: the same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from rewardkit.kit.db import Database

# Package data (pyproject.toml): found the same way from a checkout, an editable install or a wheel.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def upgrade(db: Database, revision: str = "head") -> None:
    await _migrate(db, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(db: Database, revision: str) -> None:
    await _migrate(db, lambda cfg: command.downgrade(cfg, revision))


async def _migrate(db: Database, step: Callable[[Config], None]) -> None:
    """One transaction. On SQLite, with foreign keys unenforced while it runs and checked before it
    commits: rebuilding a table that others reference (how SQLite alters a constraint, batch mode) drops
    it, which SQLite refuses while they point at it (sqlite.org/lang_altertable.html, the 12 steps). The
    pragma is a no-op inside a transaction, so it is set on the connection before the BEGIN."""
    cfg = alembic_config()

    def _run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        step(cfg)
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:10]}")

    def _foreign_keys(conn: Connection, on: bool) -> None:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        cursor.close()

    async with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.run_sync(_foreign_keys, False)
        try:
            async with conn.begin():
                await conn.run_sync(_run)
        finally:
            if sqlite:
                await conn.run_sync(_foreign_keys, True)
