"""Core statements for hot paths: the ORM's unit of work costs several times a statement's own
price in Python (bench/results/latest.md), so the order path writes rows with prebuilt Core
statements on the session's connection, still inside the one transaction of its unit of work.

Statements are built once at import with bind parameters, so SQLAlchemy compiles each once per
dialect (its compiled cache) and the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Executable, Table, TextClause, bindparam, insert, inspect, text
from sqlalchemy.dialects import postgresql
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


# --- several multi-row inserts in one round trip ----------------------------------------------------

_PG = postgresql.dialect()
_COMBINED: dict[tuple[Any, ...], TextClause] = {}


def _combined(
    shape: tuple[tuple[Table, tuple[str, ...]], ...], returning: tuple[Table, tuple[str, ...]] | None
) -> TextClause:
    """PostgreSQL: one statement of data-modifying CTEs, each `INSERT … SELECT * FROM unnest(<one array
    per column>)`. Built once per shape (tables and columns). Foreign keys between the tables hold:
    PostgreSQL checks them when the whole statement is done."""
    key = (shape, returning)
    stmt = _COMBINED.get(key)
    if stmt is None:
        quote = _PG.identifier_preparer.quote
        parts, binds = [], []
        final = "SELECT 1"
        for i, (t, cols) in enumerate(shape):
            arrays = ", ".join(f"CAST(:w{i}_{c} AS {t.c[c].type.compile(dialect=_PG)}[])" for c in cols)
            ret = ""
            if returning is not None and returning[0] is t:
                ret = " RETURNING " + ", ".join(quote(c) for c in returning[1])
                final = f"SELECT * FROM w{i}"
            names = ", ".join(quote(c) for c in cols)
            parts.append(f"w{i} AS (INSERT INTO {quote(t.name)} ({names}) SELECT * FROM unnest({arrays}){ret})")
            binds += [bindparam(f"w{i}_{c}", type_=postgresql.ARRAY(t.c[c].type)) for c in cols]
        stmt = _COMBINED[key] = text("WITH " + ", ".join(parts) + " " + final).bindparams(*binds)
    return stmt


async def insert_all(
    s: AsyncSession,
    writes: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]],
    returning: tuple[Table, tuple[str, ...]] | None = None,
) -> list[Any]:
    """Multi-row inserts into several tables in the caller's transaction; the rows of one table name
    the same columns. Returns the rows of `returning` (table, columns), if asked.

    PostgreSQL: one statement, one round trip, whatever the number of tables (see _combined): on a busy
    event loop every round trip also waits for its turn, and a transaction's round trips add up to its
    duration and to its callers' latency. SQLite: one executemany per table."""
    writes = [(t, rows) for t, rows in writes if rows]
    if not writes:
        return []
    if s.get_bind().dialect.name != "postgresql":
        found: list[Any] = []
        for t, rows in writes:
            if returning is not None and returning[0] is t:
                found = list(await run(s, insert(t).returning(*(t.c[c] for c in returning[1])), list(rows)))
            else:
                await run(s, insert(t), list(rows))
        return found
    shape = []
    params: dict[str, Any] = {}
    for i, (t, rows) in enumerate(writes):
        cols = tuple(rows[0])
        if any(r.keys() != rows[0].keys() for r in rows):
            raise ValueError("every row of one table must name the same columns")
        shape.append((t, cols))
        for c in cols:
            params[f"w{i}_{c}"] = [r[c] for r in rows]
    result = await run(s, _combined(tuple(shape), returning), params)
    return list(result) if returning is not None else []
