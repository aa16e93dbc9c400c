"""Order lifecycle: validate, debit the wallet, fulfil through suppliers, settle or refund.

    pending -> processing -> fulfilled
       |            \\-> failed -> refunded
       \\-> canceled

Creating an order is one transaction: the order (pending), its debit into `pending` funds, its
fulfilment job and the idempotency key's resource id. Fulfilment runs as that job, inline in the
request for up to `sync_fulfillment_timeout` (the fast path), else in a worker; never inside a
transaction held across a supplier call.

This file is the domain's face (what routes and other domains call); the work is in files named by
concern: pricing (the order row before booking), booking (one order), batch (group commit of
bookings), fast_path (the request's answer), entries (ledger entries), transitions (status moves and
their events), render (the API shape), state (what the domain keeps per process), tasks (the job).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.principals import Principal
from rewardkit.catalog import service as catalog
from rewardkit.jobs import service as jobs
from rewardkit.jobs.worker import Worker
from rewardkit.kit.db import utcnow
from rewardkit.kit.group_commit import Alone
from rewardkit.kit.idempotency import Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.orders import batch, entries, repository
from rewardkit.orders.booking import Booked, KeyExists, book, book_and_fulfil
from rewardkit.orders.errors import OrderNotCancelable, OrderNotFound
from rewardkit.orders.fast_path import answer
from rewardkit.orders.models import Order
from rewardkit.orders.render import render
from rewardkit.orders.schemas import OrderCreate
from rewardkit.orders.state import Booking, Handoff, IdempotencyIntent, OrdersState, Outcome
from rewardkit.orders.transitions import move
from rewardkit.suppliers.base import PlaceRequest
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

__all__ = [
    "Booked",
    "IdempotencyIntent",
    "Outcome",
    "Voucher",
    "by_voucher_token",
    "cancel",
    "create",
    "finish_placed",
    "get",
    "list_orders",
    "place_in",
]


async def create(
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    req: OrderCreate,
    intent: IdempotencyIntent | None,
) -> Outcome:
    """Place an order; answer 200 once it is final, or 202 while it is still being fulfilled.

    With an Idempotency-Key, the key is claimed inside the order's own transaction (one commit);
    only if the key was seen before does the full protocol run (replay, 409 in flight, 422 reused,
    takeover of a crashed attempt)."""
    try:
        if runner is not None and ctx.settings.sync_fulfillment_timeout > 0 and ctx.settings.group_commit:
            try:
                booked = await batch.writer(ctx, registry, runner).submit(Booking(ident, req, intent, new_id("ord")))
            except Alone:
                pass
            else:
                runner.wake()  # the order.created deliveries are due now
                ctx.part(OrdersState).handoff[booked.order.id] = Handoff(
                    booked.order, booked.steps, booked.product, booked.record_id
                )
                return await answer(ctx, runner, ident, booked.order.id, booked.job, booked.record_id)
        return await book_and_fulfil(ctx, registry, runner, ident, req, intent=intent, claim=None)
    except KeyExists:  # only raised with an intent
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return Outcome(found.status, found.body, replayed=True)
    if found.resource_id:  # a previous attempt with this key died after booking its order
        return await answer(ctx, runner, ident, found.resource_id, None, found.record_id)
    return await book_and_fulfil(ctx, registry, runner, ident, req, intent=None, claim=found)


async def place_in(
    ctx: Runtime,
    s: AsyncSession,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    req: OrderCreate,
    also: list[ledger.Entry],
    *,
    order_id: str | None = None,
) -> Booked:
    """An order booked inside another domain's unit of work (no idempotency key: the caller's own
    guard makes it once), its debit posted together with `also` (a reward link's redeem moves the
    reservation back to the wallet first). After the commit, finish_placed answers it. `order_id`: the
    caller's own new ord_ id, when it must name the order before booking it (a points redemption's debit)."""
    return await book(s, ctx, registry, runner, ident, req, order_id or new_id("ord"), also)


async def finish_placed(ctx: Runtime, runner: Worker | None, ident: Principal, booked: Booked) -> Outcome:
    """After place_in's unit of work committed: fulfil it inline as POST /v1/orders does (the fast path)."""
    if runner is not None:
        runner.wake()
        if ctx.settings.sync_fulfillment_timeout > 0:
            ctx.part(OrdersState).handoff[booked.order.id] = Handoff(booked.order, booked.steps, booked.product, None)
    return await answer(ctx, runner, ident, booked.order.id, booked.job, None)


async def cancel(ctx: Runtime, ident: Principal, order_id: str) -> dict[str, Any]:
    """Cancel a pending order, or a processing one whose supplier can cancel a purchase in flight (the
    sandbox): the refund, the fulfilment job's end and `order.canceled` in one transaction. Against a
    completing fulfilment exactly one wins: both move the order with an UPDATE guarded by its status."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
    if order is None:
        raise OrderNotFound(f"No order {order_id} for this API key.")
    if order.status == "processing":
        supplier = ctx.part(Registry).get(order.supplier or "")
        if supplier is None or not supplier.cancels_in_flight:
            raise _not_cancelable(order_id, order.status, f" at {order.supplier}, which cannot cancel it")
        # Asked outside any transaction, like every supplier call; refused: the order goes on.
        if not await supplier.cancel(_purchase(order)):
            raise _not_cancelable(order_id, order.status, f" and {order.supplier} refused to cancel it")
    elif order.status != "pending":
        raise _not_cancelable(order_id, order.status)
    async with ctx.db.unit_of_work() as s:
        reason = "canceled by API" if order.status == "pending" else f"canceled by API while at {order.supplier}"
        moved = await move(ctx, s, order.id, order.status, "canceled", reason, {}, utcnow())
        if moved is None:  # fulfilled, failed or canceled meanwhile: that outcome stands
            now_at = await repository.get(s, ident.org_id, ident.mode, order_id)
            raise _not_cancelable(order_id, now_at.status if now_at else order.status)
        await jobs.stop(s, f"fulfil:{order.id}", "order canceled")
        await entries.refund_debit(s, moved.order, "refund", ctx.part(ledger.AccountIds))
        return moved.body


def _not_cancelable(order_id: str, status: str, why: str = "") -> OrderNotCancelable:
    return OrderNotCancelable(
        f"Order {order_id} is {status}{why}; only pending orders, and processing orders at a supplier that "
        "cancels purchases in flight (the sandbox), can be canceled.",
        order_status=status,
    )


def _purchase(order: Order) -> PlaceRequest:
    """The purchase a supplier knows the order by (our order id is its reference)."""
    return PlaceRequest(
        reference=order.id,
        mode=order.mode,
        product_id=order.product_id,
        currency=order.currency,
        amount=order.face_amount,
        validity_days=None,
        created_at=order.created_at,
        recipient_email=order.recipient_email,
        metadata=order.metadata_ or {},
    )


async def get(ctx: Runtime, ident: Principal, order_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
        if order is None:
            raise OrderNotFound(f"No order {order_id} for this API key.")
        return render(ctx, order, await repository.timeline(s, order.id))


async def list_orders(
    ctx: Runtime,
    ident: Principal,
    *,
    status: str | None,
    product_id: str | None,
    external_id: str | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.search(
            s,
            ident.org_id,
            ident.mode,
            status=status,
            product_id=product_id,
            external_id=external_id,
            created_gte=created_gte,
            created_lte=created_lte,
            before=decode_cursor(cursor),
            limit=limit,
        )
        timelines = await repository.timelines(s, [o.id for o in rows[:limit]])
    return page(rows, limit, key=lambda o: o.id, render=lambda o: render(ctx, o, timelines.get(o.id, [])))


class Voucher(NamedTuple):
    """What the hosted voucher page shows: the fulfilled order, its product, the org's branding."""

    order: Order
    product: Any  # catalog.models.Product
    branding: auth.Branding


async def by_voucher_token(ctx: Runtime, token: str) -> Voucher | None:
    """The fulfilled order a voucher-page token opens (None for any other token), in one read."""
    if not token or len(token) > 64:
        return None
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.by_token_hashes(s, ctx.keyring.hashes(token))
        if order is None or order.status != "fulfilled":
            return None
        products = ctx.part(catalog.ProductCache)
        product = await catalog.get_product(s, products, order.product_id, include_inactive=True)
        branding = await auth.get_branding(s, order.org_id)
    return Voucher(order, product, branding)
