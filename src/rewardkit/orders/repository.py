"""All SQL of orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders.models import Order


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


async def transition(s: AsyncSession, order_id: str, from_status: str, values: dict[str, Any]) -> bool:
    """Move an order only along an allowed arrow: the WHERE on the old status makes it so that two
    writers can never both apply a transition."""
    res = await s.execute(update(Order).where(Order.id == order_id, Order.status == from_status).values(**values))
    return bool(res.rowcount)  # type: ignore[attr-defined]


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
