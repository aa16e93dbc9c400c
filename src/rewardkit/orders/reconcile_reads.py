"""The reads of orders that supplier reconciliation (#16, rewardkit.reconciliation) makes: a supplier's
orders of a period keyed by their supplier reference, in a few set-based queries whatever the size of
the statement (never one query per line).

Orders have no index on supplier_ref. Their ids are time-sortable (kit/ids.py: 48 bits of milliseconds
first), so a period becomes a range of ids on ix_orders_scope (org_id, mode, id): the period's orders
are one index range scan. References found nowhere in that window are looked up by reference, in
chunks, within the org and mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders.models import Order

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # kit/ids.py's Crockford base32
CHUNK = 500  # references per IN (...) list: far below SQLite's and asyncpg's bind-parameter limits


class SupplierOrder(NamedTuple):
    id: str
    reference: str
    amount: int  # face_amount: what the supplier bills (its quote's cost is the face value; docs/reconciliation.md)
    currency: str
    status: str
    date: date  # the day it was fulfilled (UTC), else the day it was created


def id_at(prefix: str, at: datetime) -> str:
    """The smallest id new_id(prefix) can make at `at` (zero random bits): a bound for a range of ids."""
    value = int(at.timestamp() * 1000) << 80
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


_COLUMNS = (
    Order.id,
    Order.supplier_ref,
    Order.face_amount,
    Order.currency,
    Order.status,
    Order.fulfilled_at,
    Order.created_at,
)


def _row(r: tuple[str, str, int, str, str, datetime | None, datetime]) -> SupplierOrder:
    when = r[5] or r[6]
    return SupplierOrder(r[0], r[1], r[2], r[3], r[4], when.date())


async def in_window(
    s: AsyncSession, org_id: str, mode: str, supplier: str, created_from: datetime, created_to: datetime
) -> list[SupplierOrder]:
    """The supplier's orders (with a supplier reference) created in [created_from, created_to)."""
    q = select(*_COLUMNS).where(
        Order.org_id == org_id,
        Order.mode == mode,
        Order.id >= id_at("ord", created_from),
        Order.id < id_at("ord", created_to),
        Order.supplier == supplier,
        Order.supplier_ref.is_not(None),
    )
    return [_row(r) for r in (await s.execute(q)).all()]  # type: ignore[arg-type]


async def by_references(
    s: AsyncSession, org_id: str, mode: str, supplier: str, references: Iterable[str]
) -> list[SupplierOrder]:
    """The supplier's orders with these references, wherever they are in time."""
    wanted = list(references)
    found: list[SupplierOrder] = []
    for i in range(0, len(wanted), CHUNK):
        q = select(*_COLUMNS).where(
            Order.org_id == org_id,
            Order.mode == mode,
            Order.supplier == supplier,
            Order.supplier_ref.in_(wanted[i : i + CHUNK]),
        )
        found.extend(_row(r) for r in (await s.execute(q)).all())  # type: ignore[arg-type]
    return found
