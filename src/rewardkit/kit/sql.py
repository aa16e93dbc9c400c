"""Core statements for hot paths: the ORM's unit of work costs several times a statement's own
price in Python (bench/results/latest.md), so the order path writes rows with prebuilt Core
statements on the session's connection, still inside the one transaction of its unit of work.

Statements are built once at import with bind parameters, so SQLAlchemy compiles each once per
dialect (its compiled cache) and the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Executable,
    String,
    Table,
    TextClause,
    bindparam,
    insert,
    inspect,
    select,
    text,
    update,
)
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


# --- several multi-row writes in one round trip ----------------------------------------------------


@dataclass(frozen=True)
class Insert:
    """Rows to insert into a table; every row names the same columns."""

    table: Table
    rows: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Update:
    """One update per row: the row's `where` columns pick the table row (equality, as do the constants
    of `only`), its other columns are set. Every row names the same columns."""

    table: Table
    where: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]
    only: tuple[tuple[str, Any], ...] = ()


Write = Insert | Update
_PG = postgresql.dialect()
_COMBINED: dict[tuple[Any, ...], TextClause] = {}


def _array_of(t: Table, column: str) -> str:
    """The array type to cast a column's values to, without length or precision: a cast to VARCHAR(40)
    would cut a longer value off silently, where the INSERT or UPDATE itself refuses it."""
    return re.sub(r"\(.*?\)", "", t.c[column].type.compile(dialect=_PG)) + "[]"


def _unbounded(type_: Any) -> Any:
    """A column's type for a bind parameter, without a length: asyncpg's parameters are cast to their
    type, and a cast to VARCHAR(n) cuts a longer value off (see _array_of)."""
    if isinstance(type_, String) and type_.length is not None:
        return String()
    return type_


def _shape(w: Write) -> tuple[Any, ...]:
    cols = tuple(w.rows[0])
    if any(r.keys() != w.rows[0].keys() for r in w.rows):
        raise ValueError("every row of one write must name the same columns")
    if isinstance(w, Insert):
        return ("insert", w.table, cols)
    return ("update", w.table, cols, w.where, tuple(c for c, _ in w.only))


def _combined(shapes: tuple[tuple[Any, ...], ...], returning: tuple[Table, tuple[str, ...]] | None) -> TextClause:
    """PostgreSQL: one statement of data-modifying CTEs over unnest(<one array per column>): `INSERT …
    SELECT * FROM unnest(…)`, `UPDATE … FROM unnest(…) AS v(…) WHERE …`. Built once per shape.
    Foreign keys between the tables hold: PostgreSQL checks them when the whole statement is done."""
    key = (shapes, returning)
    stmt = _COMBINED.get(key)
    if stmt is not None:
        return stmt
    quote = _PG.identifier_preparer.quote
    parts, binds = [], []
    final = "SELECT 1"
    for i, (kind, t, cols, *rest) in enumerate(shapes):
        arrays = ", ".join(f"CAST(:w{i}_{c} AS {_array_of(t, c)})" for c in cols)
        binds += [bindparam(f"w{i}_{c}", type_=postgresql.ARRAY(_unbounded(t.c[c].type))) for c in cols]
        ret = ""
        if returning is not None and returning[0] is t:
            ret = " RETURNING " + ", ".join(f"{quote(t.name)}.{quote(c)}" for c in returning[1])
            final = f"SELECT * FROM w{i}"
        if kind == "insert":
            names = ", ".join(quote(c) for c in cols)
            parts.append(f"w{i} AS (INSERT INTO {quote(t.name)} ({names}) SELECT * FROM unnest({arrays}){ret})")
            continue
        where, only = rest
        sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in cols if c not in where)
        conds = [f"{quote(t.name)}.{quote(c)} = v.{quote(c)}" for c in where]
        # Rows are found by their key only, whatever plan PostgreSQL caches for the prepared statement
        # (made while the tables were small): the first key once more as `= ANY(array)`, a condition on
        # the table alone that its primary key serves, and the constants of `only` compared with IS NOT
        # DISTINCT FROM, which no index serves. Otherwise the cached plans hash-joined whole tables, or
        # scanned the jobs' status index, full of dead 'running' entries after a burst: orders slowed
        # down as the tables grew (bench: 7 ms at 100 orders/s became 13 to 18 ms after a minute of load).
        first = where[0]
        conds.append(f"{quote(t.name)}.{quote(first)} = ANY(CAST(:w{i}_{first} AS {_array_of(t, first)}))")
        for c in only:
            conds.append(f"{quote(t.name)}.{quote(c)} IS NOT DISTINCT FROM :w{i}_only_{c}")
            binds.append(bindparam(f"w{i}_only_{c}", type_=_unbounded(t.c[c].type)))
        alias = ", ".join(quote(c) for c in cols)
        parts.append(
            f"w{i} AS (UPDATE {quote(t.name)} SET {sets} FROM unnest({arrays}) AS v({alias})"
            f" WHERE {' AND '.join(conds)}{ret})"
        )
    stmt = _COMBINED[key] = text("WITH " + ", ".join(parts) + " " + final).bindparams(*binds)
    return stmt


async def write_all(
    s: AsyncSession, writes: Sequence[Write], returning: tuple[Table, tuple[str, ...]] | None = None
) -> list[Any]:
    """Multi-row inserts and updates of several tables in the caller's transaction. Returns the rows
    of `returning` (a table, its columns) from the write on that table, if asked.

    PostgreSQL: one statement, one round trip, whatever the number of writes (see _combined): on a
    busy event loop every round trip also waits for its turn, and a transaction's round trips add up
    to its duration and to its callers' latency. SQLite: one executemany per write (an update that
    returns: one statement per row)."""
    writes = [w for w in writes if w.rows]
    # One write per table: on PostgreSQL every write of the statement sees the same snapshot (an update
    # would not see a sibling insert's rows, two updates of one row would keep one), on SQLite each
    # sees the one before. Keys repeated within an update differ the same way.
    if len({id(w.table) for w in writes}) != len(writes):
        raise ValueError("write_all writes each table once")
    for w in writes:
        if isinstance(w, Update) and len({tuple(r[c] for c in w.where) for r in w.rows}) != len(w.rows):
            raise ValueError("an update names each row once")
    if returning is not None and not any(w.table is returning[0] for w in writes):
        returning = None  # nothing written there, so nothing to return
    if not writes:
        return []
    if s.get_bind().dialect.name != "postgresql":
        return await _one_by_one(s, writes, returning)
    shapes = tuple(_shape(w) for w in writes)
    params: dict[str, Any] = {}
    for i, w in enumerate(writes):
        for c in shapes[i][2]:
            params[f"w{i}_{c}"] = [r[c] for r in w.rows]
        if isinstance(w, Update):
            for c, v in w.only:
                params[f"w{i}_only_{c}"] = v
    result = await run(s, _combined(shapes, returning), params)
    return list(result) if returning is not None else []


async def _one_by_one(
    s: AsyncSession, writes: list[Write], returning: tuple[Table, tuple[str, ...]] | None
) -> list[Any]:
    found: list[Any] = []
    for w in writes:
        t = w.table
        wanted = returning is not None and returning[0] is t
        if isinstance(w, Insert):
            stmt: Any = insert(t)
            if wanted:
                assert returning is not None
                found = list(await run(s, stmt.returning(*(t.c[c] for c in returning[1])), list(w.rows)))
            else:
                await run(s, stmt, list(w.rows))
            continue
        conds = [t.c[c] == bindparam(f"where_{c}", type_=t.c[c].type) for c in w.where]
        conds += [t.c[c] == v for c, v in w.only]
        sets = {c: bindparam(c, type_=t.c[c].type) for c in w.rows[0] if c not in w.where}
        stmt = update(t).where(*conds).values(sets)
        rows = [{(f"where_{k}" if k in w.where else k): v for k, v in r.items()} for r in w.rows]
        if wanted:
            # No executemany with RETURNING for an UPDATE here: first the rows the update will change,
            # read under the write lock this transaction holds (SQLite has one writer at a time, so they
            # cannot change in between), then the update itself.
            assert returning is not None
            keys = {f"where_{c}": [r[f"where_{c}"] for r in rows] for c in w.where}
            cols = list(dict.fromkeys([*returning[1], *w.where]))
            picked = select(*(t.c[c] for c in cols)).where(
                *[t.c[c].in_(bindparam(f"where_{c}", expanding=True)) for c in w.where],
                *[t.c[c] == v for c, v in w.only],
            )
            chosen = {tuple(r[f"where_{c}"] for c in w.where) for r in rows}
            found = [r for r in await run(s, picked, keys) if tuple(getattr(r, c) for c in w.where) in chosen]
        await run(s, stmt, rows)
    return found
