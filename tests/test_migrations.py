"""The migrations build exactly the schema the models declare, on the suite's database (SQLite or
PostgreSQL): a table, column, index or constraint added to a model without its migration fails here.
Every module's tables are in rewardkit.models, so a new domain is covered by its line in modules.py."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from rewardkit.models import TABLES, Base
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime


def _meaningful(diff: Any) -> bool:
    # Type comparisons of equivalent spellings (JSON on SQLite, timezone-aware DateTime) are not drift.
    return not (isinstance(diff, list) and diff and diff[0][0] == "modify_type")


async def test_the_migrated_schema_is_the_models_schema(ctx: Runtime) -> None:
    def compare(conn: Connection) -> list[Any]:
        mc = MigrationContext.configure(conn, opts={"compare_type": False})
        return [d for d in compare_metadata(mc, Base.metadata) if _meaningful(d)]

    async with ctx.db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)
    assert diffs == []


def test_every_module_table_is_seen_by_alembic() -> None:
    declared = {t for m in MODULES for t in m.tables}
    assert declared <= set(TABLES)
    assert {t.__tablename__ for t in TABLES} == set(Base.metadata.tables)  # type: ignore[attr-defined]
