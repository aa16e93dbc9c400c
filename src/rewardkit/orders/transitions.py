"""An order's status changes: the guarded update, its timeline row and its event, in the caller's
transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders import repository
from rewardkit.orders.models import EVENT_OF_STATUS, Order, OrderTransition
from rewardkit.orders.render import render

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


class Moved(NamedTuple):
    """An order after a status change, and its rendering (the object of the change's event)."""

    order: Order
    body: dict[str, Any]


async def move(
    ctx: Runtime,
    s: AsyncSession,
    order_id: str,
    frm: str,
    to: str,
    reason: str,
    values: dict[str, Any],
    now: datetime,
    timeline: list[OrderTransition] | None = None,
) -> Moved | None:
    """One status change: the guarded update, its timeline row and its `order.<status>` event, in the
    caller's transaction. Returns the order and its rendering (the event's object), or None if the
    order was not in `frm` (someone else moved it first). `timeline`: the order's timeline before
    this move, where the caller knows it (the fast path), to spare reading it back."""
    moved = await repository.transition(s, order_id, frm, to, reason, values, now)
    if moved is None:
        return None
    order, step = moved
    steps = [*timeline, step] if timeline is not None else await repository.timeline(s, order.id)
    return Moved(order, await emit_status(ctx, s, order, steps))


async def emit_status(
    ctx: Runtime, s: AsyncSession, order: Order, timeline: list[OrderTransition]
) -> dict[str, Any]:
    """The event of the status the order is in now, with the order as its object."""
    body = render(ctx, order, timeline)
    await ctx.events.emit(s, order.org_id, order.mode, EVENT_OF_STATUS[order.status], body)
    return body


def step(order_id: str, frm: str | None, to: str, reason: str, at: datetime) -> OrderTransition:
    return OrderTransition(order_id=order_id, from_status=frm, to_status=to, reason=reason, created_at=at)
