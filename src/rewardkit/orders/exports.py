"""The orders' reads for reports (#16): the orders created in an interval, in keyset chunks over their
ids, with when each was refunded; and the FX figures of a set of orders (for itemized ledger rows).
Service-level functions taking the caller's session; the reports domain opens the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders.models import Order, OrderTransition


@dataclass(frozen=True)
class OrderRow:
    id: str
    created_at: datetime
    status: str
    product_id: str
    currency: str
    face_amount: int
    charge_currency: str
    charge_amount: int
    fx_rate: str | None
    fx_markup_bps: int | None
    supplier: str | None
    supplier_ref: str | None
    external_id: str | None
    fulfilled_at: datetime | None
    refunded_at: datetime | None
    failure_code: str | None


async def orders(
    s: AsyncSession, org_id: str, mode: str, start: datetime, end: datetime, *, after_id: str = "", limit: int = 5000
) -> list[OrderRow]:
    """One chunk of the orders created in [start, end), by id (ids sort by creation time)."""
    q = (
        select(
            Order.id,
            Order.created_at,
            Order.status,
            Order.product_id,
            Order.currency,
            Order.face_amount,
            Order.charge_currency,
            Order.charge_amount,
            Order.fx_rate,
            Order.fx_markup_bps,
            Order.supplier,
            Order.supplier_ref,
            Order.external_id,
            Order.fulfilled_at,
            Order.failure_code,
        )
        .where(
            Order.org_id == org_id,
            Order.mode == mode,
            Order.id > after_id,
            Order.created_at >= start,
            Order.created_at < end,
        )
        .order_by(Order.id)
        .limit(limit)
    )
    rows = (await s.execute(q)).all()
    refunded: dict[str, datetime] = {}
    if rows:
        refunded = dict(
            (
                await s.execute(
                    select(OrderTransition.order_id, func.min(OrderTransition.created_at))
                    .where(OrderTransition.order_id.in_([r.id for r in rows]), OrderTransition.to_status == "refunded")
                    .group_by(OrderTransition.order_id)
                )
            ).all()
        )
    return [
        OrderRow(
            id=r.id,
            created_at=r.created_at,
            status=r.status,
            product_id=r.product_id,
            currency=r.currency,
            face_amount=r.face_amount,
            charge_currency=r.charge_currency,
            charge_amount=r.charge_amount,
            fx_rate=r.fx_rate,
            fx_markup_bps=r.fx_markup_bps,
            supplier=r.supplier,
            supplier_ref=r.supplier_ref,
            external_id=r.external_id,
            fulfilled_at=r.fulfilled_at,
            refunded_at=refunded.get(r.id),
            failure_code=r.failure_code,
        )
        for r in rows
    ]


async def fx_of(s: AsyncSession, org_id: str, order_ids: Sequence[str]) -> dict[str, tuple[str, int | None]]:
    """The FX rate (markup included) and markup of those of these orders that converted currency."""
    if not order_ids:
        return {}
    rows = await s.execute(
        select(Order.id, Order.fx_rate, Order.fx_markup_bps).where(
            Order.org_id == org_id, Order.id.in_(list(order_ids)), Order.fx_rate.is_not(None)
        )
    )
    return {oid: (str(rate), bps) for oid, rate, bps in rows}
