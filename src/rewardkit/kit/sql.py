"""Core statements for hot paths: the ORM's unit of work costs several times a statement's own
price in Python (bench/results/latest.md), so the order path writes rows with prebuilt Core
statements on the session's connection, still inside the one transaction of its unit of work.

Statements are built once at import with bind parameters, so SQLAlchemy compiles each once per
dialect (its compiled cache) and the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Executable, Table, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit.db import Base

M = TypeVar("M", bound=Base)


_CONNECTION = "rewardkit.sql.connection"


def table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


async def run(
    s: AsyncSession, stmt: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
) -> CursorResult[Any]:
    """Execute a Core statement on the unit of work's connection (no ORM flush, no identity map)."""
    if isinstance(params, list) and len(params) > 1 and any(p.keys() != params[0].keys() for p in params):
        # executemany compiles for the first row's keys: a key missing there would be dropped silently
        raise ValueError("every row of an executemany must name the same columns")
    conn = s.info.get(_CONNECTION)
    if conn is None:  # once per unit of work: Session.connection() is not free, and an order runs ~12 statements
        conn = s.info[_CONNECTION] = await s.connection()
    result = await conn.execute(stmt, params)  # type: ignore[arg-type]
    return cast(CursorResult[Any], result)


_COLUMNS: dict[type[Base], list[tuple[str, str]]] = {}


def columns(model: type[Base]) -> list[tuple[str, str]]:
    """(attribute, column name) pairs of a model: they differ where a name is reserved (metadata_)."""
    cols = _COLUMNS.get(model)
    if cols is None:
        cols = [(attr.key, attr.columns[0].name) for attr in inspect(model).column_attrs]
        _COLUMNS[model] = cols
    return cols


_DEFAULTED: dict[type[Base], frozenset[str]] = {}


def _defaulted(model: type[Base]) -> frozenset[str]:
    """Columns the database or SQLAlchemy fills in when left out: autoincrement keys and defaults."""
    found = _DEFAULTED.get(model)
    if found is None:
        t = table(model)
        found = frozenset(
            c.name
            for c in t.columns
            if c.default is not None or c.server_default is not None or c is t.autoincrement_column
        )
        _DEFAULTED[model] = found
    return found


def row_values(obj: Base) -> dict[str, Any]:
    """An ORM object's column values keyed by column name, for a Core INSERT. None is left out only where
    a default or an autoincrement key applies (as in the ORM); elsewhere it is written as NULL, so that
    every row of one model names the same columns (see run)."""
    skip = _defaulted(type(obj))
    values = ((col, getattr(obj, attr)) for attr, col in columns(type(obj)))
    return {col: v for col, v in values if v is not None or col not in skip}


def from_row(model: type[M], row: Any, prefix: str = "") -> M:
    """A detached ORM object from a Core row (RETURNING or SELECT of the whole table); `prefix` for a
    join labelled table_column (LABEL_STYLE_TABLENAME_PLUS_COL)."""
    mapping = row._mapping
    return model(**{attr: mapping[prefix + col] for attr, col in columns(model)})


def copy(obj: M, **changes: Any) -> M:
    """A detached copy of an ORM object, with some attributes changed."""
    values = {attr: getattr(obj, attr) for attr, _ in columns(type(obj))}
    values.update(changes)
    return type(obj)(**values)
