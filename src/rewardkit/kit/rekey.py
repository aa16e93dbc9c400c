"""Re-encryption after a key rotation: move every `Sealed` column (kit/crypto.py) under the keyring's
active key, in batches, so that an older key can be removed without losing data.

A batch is one write transaction: the rows of one table, in primary-key order after the last batch,
that hold a value under another key; they are read FOR UPDATE (PostgreSQL; SQLite's write transaction
is exclusive already), so a concurrent change of the same row (a webhook secret rolled, a voucher
written) is never overwritten with an older value. A rerun, or a run after an interruption, only
finds what is still under an old key: the walk is idempotent and resumable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit.crypto import Keyring, Sealed
from rewardkit.kit.db import Database


@dataclass
class TableReport:
    table: str
    rows: int = 0  # rows rewritten
    values: int = 0  # ciphertexts re-encrypted (and HMACs recomputed)
    batches: int = 0


@dataclass
class Census:
    """How many values each key id holds, per table and column (`rewardkit secrets status`)."""

    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # table -> column -> kid -> n

    def kids_in_use(self) -> set[str]:
        return {kid for cols in self.counts.values() for kids in cols.values() for kid in kids}


def _pk(sealed: Sealed) -> Any:
    [pk] = sealed.table.__table__.primary_key.columns  # type: ignore[attr-defined]
    return pk


def _stale(sealed: Sealed, kid: str) -> Any:
    """A row holds at least one value not under `kid`."""
    cols = sealed.table.__table__.c  # type: ignore[attr-defined]
    return or_(*(and_(cols[c].is_not(None), ~cols[c].startswith(f"{kid}:", autoescape=True)) for c in sealed.columns))


async def _batch(s: AsyncSession, keyring: Keyring, sealed: Sealed, after: Any, size: int) -> tuple[Any, int, int]:
    """One batch of one table: (the last primary key seen or None when done, rows, values)."""
    table = sealed.table.__table__  # type: ignore[attr-defined]
    pk = _pk(sealed)
    wanted = [table.c[c] for c in (*sealed.columns, *sealed.hashes)]
    q = select(pk, *wanted).where(_stale(sealed, keyring.active_kid)).order_by(pk).limit(size)
    if after is not None:
        q = q.where(pk > after)
    rows = (await s.execute(q.with_for_update())).all()
    values = 0
    for row in rows:
        changes: dict[str, str] = {}
        plain: dict[str, str] = {}
        for c in sealed.columns:
            token = getattr(row, c)
            if token is None:
                continue
            plain[c] = keyring.decrypt(token)  # a key id not in the keyring stops the run (ValueError)
            if keyring.kid_of(token) != keyring.active_kid:
                changes[c] = keyring.encrypt(plain[c])
        for hash_col, source in sealed.hashes.items():
            if source in plain and getattr(row, hash_col) != (h := keyring.hash(plain[source])):
                changes[hash_col] = h
        if changes:
            await s.execute(update(table).where(pk == getattr(row, pk.name)).values(changes))
            values += len(changes)
    # Done only when a batch finds nothing: one can come back short while other rows remain, when a
    # concurrent write moved rows it had matched under the new key (PostgreSQL rechecks locked rows).
    last = getattr(rows[-1], pk.name) if rows else None
    return last, len(rows), values


async def reencrypt(
    db: Database,
    keyring: Keyring,
    sealed: Iterable[Sealed],
    batch_size: int = 500,
    progress: Callable[[TableReport], None] | None = None,
) -> list[TableReport]:
    """Walk every sealed table; one committed transaction per batch; `progress` after each batch."""
    reports = []
    for item in sealed:
        report = TableReport(item.table.__tablename__)  # type: ignore[attr-defined]
        after: Any = None
        while True:
            async with db.unit_of_work() as s:
                after, rows, values = await _batch(s, keyring, item, after, batch_size)
            if rows:
                report.rows += rows
                report.values += values
                report.batches += 1
                if progress is not None:
                    progress(report)
            if after is None:
                break
        reports.append(report)
    return reports


def _kid_expr(col: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.split_part(col, ":", 1)
    return func.substr(col, 1, func.instr(col, ":") - 1)


async def census(s: AsyncSession, sealed: Iterable[Sealed]) -> Census:
    """Per table and column, how many values are under each key id (one GROUP BY each)."""
    dialect = s.get_bind().dialect.name
    out = Census()
    for item in sealed:
        table = item.table.__table__  # type: ignore[attr-defined]
        cols: dict[str, dict[str, int]] = {}
        for c in item.columns:
            kid = _kid_expr(table.c[c], dialect)
            q = select(kid, func.count()).where(table.c[c].is_not(None)).group_by(kid).order_by(kid)
            cols[c] = {str(k): int(n) for k, n in (await s.execute(q)).all()}
        out.counts[table.name] = cols
    return out
