"""All SQL of orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit import sql
from rewardkit.orders.models import TRANSITIONS, Order, OrderTransition

# Every order runs through add/transition/timeline: Core statements, built once (kit/sql.py says why).


class Transitioned(NamedTuple):
    """An order as a status change left it, and the timeline row that change wrote."""

    order: Order
    step: OrderTransition


_ORDERS = sql.table(Order)
_TRANSITIONS = sql.table(OrderTransition)
_INSERT_ORDER = insert(_ORDERS)
_INSERT_TRANSITION = insert(_TRANSITIONS)
_TIMELINE = select(_TRANSITIONS).where(_TRANSITIONS.c.order_id == bindparam("order_id")).order_by(_TRANSITIONS.c.id)


async def add(s: AsyncSession, order: Order) -> None:
    await sql.run(s, _INSERT_ORDER, sql.row_values(order))


def order_rows(orders: list[Order]) -> sql.Insert:
    """add()'s rows for a batch, written with others in one round trip (sql.write_all)."""
    return sql.Insert(_ORDERS, [sql.row_values(o) for o in orders])


def transition_rows(rows: list[OrderTransition]) -> sql.Insert:
    """record's rows, for a caller that writes them with others in one round trip (sql.write_all)."""
    return sql.Insert(_TRANSITIONS, [sql.row_values(r) for r in rows])


async def record(s: AsyncSession, rows: list[OrderTransition]) -> None:
    """Timeline rows, written in the transaction of the change they describe."""
    await sql.run(s, _INSERT_TRANSITION, [sql.row_values(r) for r in rows])


async def get(s: AsyncSession, org_id: str, mode: str, order_id: str) -> Order | None:
    # Scoped by org and mode: another org's id (or a live id with a test key) is simply not found.
    return (
        await s.execute(select(Order).where(Order.id == order_id, Order.org_id == org_id, Order.mode == mode))
    ).scalar_one_or_none()


async def by_token_hashes(s: AsyncSession, hashes: list[str]) -> Order | None:
    return (await s.execute(select(Order).where(Order.voucher_token_hash.in_(hashes)))).scalar_one_or_none()


async def transition(
    s: AsyncSession,
    order_id: str,
    from_status: str,
    to_status: str,
    reason: str,
    values: dict[str, Any],
    now: datetime,
) -> Transitioned | None:
    """Move an order only along an allowed arrow: the WHERE on the old status makes it so that two
    writers can never both apply a transition; the timeline row is written in the same transaction.
    Returns the updated order and its new timeline row, or None if it was not in `from_status`."""
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise ValueError(f"illegal order transition {from_status} -> {to_status}")
    params = {"order_id": order_id, "from_status": from_status, "status": to_status, "updated_at": now, **values}
    row = (await sql.run(s, _transition_stmt(tuple(values)), params)).one_or_none()
    if row is None:
        return None
    step = OrderTransition(
        order_id=order_id, from_status=from_status, to_status=to_status, reason=reason, created_at=now
    )
    await record(s, [step])
    return Transitioned(sql.from_row(Order, row), step)


_TRANSITION_STMTS: dict[tuple[str, ...], Any] = {}


def _transition_stmt(extra: tuple[str, ...]) -> Any:
    """The guarded UPDATE for a set of extra columns, built once per set (a handful exist)."""
    stmt = _TRANSITION_STMTS.get(extra)
    if stmt is None:
        cols = ("status", "updated_at", *extra)
        stmt = (
            update(_ORDERS)
            .where(_ORDERS.c.id == bindparam("order_id"), _ORDERS.c.status == bindparam("from_status"))
            .values({c: bindparam(c, type_=_ORDERS.c[c].type) for c in cols})
            .returning(*_ORDERS.c)
        )
        _TRANSITION_STMTS[extra] = stmt
    return stmt


async def move_and_set_many(
    s: AsyncSession, changes: list[tuple[str, dict[str, Any]]], from_status: str, to_status: str, now: datetime
) -> set[str]:
    """transition() for a batch: each order (id, its own column values, the same columns for all)
    moves from `from_status` to `to_status` with its values, guarded as transition() is. Returns the
    ids that moved. One statement on PostgreSQL (sql.write_all)."""
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise ValueError(f"illegal order transition {from_status} -> {to_status}")
    rows = [{"id": order_id, "status": to_status, "updated_at": now, **values} for order_id, values in changes]
    write = sql.Update(_ORDERS, where=("id",), rows=rows, only=(("status", from_status),))
    return {r.id for r in await sql.write_all(s, [write], returning=(_ORDERS, ("id",)))}


async def timeline(s: AsyncSession, order_id: str) -> list[OrderTransition]:
    return [sql.from_row(OrderTransition, r) for r in await sql.run(s, _TIMELINE, {"order_id": order_id})]


async def search(
    s: AsyncSession,
    org_id: str,
    mode: str,
    *,
    status: str | None,
    product_id: str | None,
    external_id: str | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    before: str | None,
    limit: int,
) -> list[Order]:
    q = select(Order).where(Order.org_id == org_id, Order.mode == mode).order_by(Order.id.desc()).limit(limit + 1)
    if status:
        q = q.where(Order.status == status)
    if product_id:
        q = q.where(Order.product_id == product_id)
    if external_id:
        q = q.where(Order.external_id == external_id)
    if created_gte:
        q = q.where(Order.created_at >= created_gte)
    if created_lte:
        q = q.where(Order.created_at <= created_lte)
    if before:
        q = q.where(Order.id < before)
    return list((await s.execute(q)).scalars())


async def timelines(s: AsyncSession, order_ids: list[str]) -> dict[str, list[OrderTransition]]:
    if not order_ids:
        return {}
    q = select(OrderTransition).where(OrderTransition.order_id.in_(order_ids)).order_by(OrderTransition.id)
    out: dict[str, list[OrderTransition]] = {}
    for t in (await s.execute(q)).scalars():
        out.setdefault(t.order_id, []).append(t)
    return out


async def get_by_id(s: AsyncSession, order_id: str) -> Order | None:
    """For jobs, which act on an order they were given by id (no API key in sight)."""
    return await s.get(Order, order_id, populate_existing=True)


async def set_supplier(s: AsyncSession, order_id: str, values: dict[str, Any]) -> None:
    """Supplier bookkeeping on a processing order (which supplier, its reference): not a status change."""
    await s.execute(update(Order).where(Order.id == order_id, Order.status == "processing").values(**values))
