"""All SQL of orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders.models import TRANSITIONS, Order, OrderTransition


async def add(s: AsyncSession, order: Order) -> None:
    s.add(order)
    await s.flush()


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
) -> Order | None:
    """Move an order only along an allowed arrow: the WHERE on the old status makes it so that two
    writers can never both apply a transition; the timeline row is written in the same transaction.
    Returns the updated order, or None if it was not in `from_status`."""
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise ValueError(f"illegal order transition {from_status} -> {to_status}")
    res = await s.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == from_status)
        .values(status=to_status, updated_at=now, **values)
        .returning(Order),
        execution_options={"populate_existing": True},
    )
    order = res.scalar_one_or_none()
    if order is None:
        return None
    s.add(
        OrderTransition(order_id=order_id, from_status=from_status, to_status=to_status, reason=reason, created_at=now)
    )
    return order


async def record_created(s: AsyncSession, order_id: str, now: datetime) -> None:
    s.add(
        OrderTransition(
            order_id=order_id, from_status=None, to_status="pending", reason="order created", created_at=now
        )
    )


async def timeline(s: AsyncSession, order_id: str) -> list[OrderTransition]:
    q = select(OrderTransition).where(OrderTransition.order_id == order_id).order_by(OrderTransition.id)
    return list((await s.execute(q)).scalars())


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
