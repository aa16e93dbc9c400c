"""Booking one order on its own: the reference path, which every order that could fail takes (its
exact answer), and every order when group commit is off or no runner fulfils inline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.jobs.models import Job
from rewardkit.jobs.worker import Worker
from rewardkit.kit.errors import Problem
from rewardkit.kit.idempotency import Claim
from rewardkit.kit.ids import new_id
from rewardkit.ledger import service as ledger
from rewardkit.orders import entries, repository
from rewardkit.orders.errors import ProductUnavailable
from rewardkit.orders.fast_path import answer
from rewardkit.orders.models import FULFIL_JOB, ORDER_CREATED, Order, OrderTransition
from rewardkit.orders.pricing import prepare
from rewardkit.orders.render import render
from rewardkit.orders.schemas import OrderCreate
from rewardkit.orders.state import Handoff, IdempotencyIntent, OrdersState, Outcome
from rewardkit.orders.transitions import emit_status, step
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


class KeyExists(Exception):
    """The fast claim found the Idempotency-Key already used: take the full path (replay, 409, 422)."""


class Booked(NamedTuple):
    order: Order
    product: Any  # catalog.models.Product
    steps: list[OrderTransition]
    job: Job


async def book(
    s: AsyncSession,
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    req: OrderCreate,
    order_id: str,
    also: Sequence[ledger.Entry] = (),
) -> Booked:
    """One order booked in the caller's unit of work: the row, its timeline, its events, its fulfilment
    job (born claimed by `runner` when it fulfils inline) and the debit. `also`: ledger entries posted
    together with the debit, in one post_many (one global lock order, so no deadlock against other
    orders): a reward link's redeem moves the reservation back to the wallet this way (links/service.py)."""
    inline = runner is not None and ctx.settings.sync_fulfillment_timeout > 0
    order, product = await prepare(s, ctx, ident, req, order_id)
    chain = registry.route(ident.mode, order.product_id)
    if not chain:
        raise ProductUnavailable(f"No supplier is configured for {order.product_id} in {ident.mode} mode.")
    order.supplier = chain[0].name
    steps = [step(order.id, None, "pending", "order created", order.created_at)]
    created = render(ctx, order, steps)
    if inline:
        # This process sends it to the supplier right after the commit: book it as processing at
        # once (the job is born claimed, a crash hands it to a worker when the lease runs out).
        order.status = "processing"
        steps.append(step(order.id, "pending", "processing", f"sent to {order.supplier}", order.created_at))
    await repository.add(s, order)
    await repository.record(s, steps)
    await ctx.events.emit(s, order.org_id, order.mode, ORDER_CREATED, created)
    if inline:
        await emit_status(ctx, s, order, steps)
    job = await jobs.enqueue(
        s,
        FULFIL_JOB,
        {"order_id": order.id},
        unique_key=f"fulfil:{order.id}",
        claimed_by=runner.name if inline and runner else None,
        lease=runner.lease if inline and runner else None,
    )
    # The debit last: the wallet row stays locked from this UPDATE to the commit, and every order
    # of the org waits for that lock, so nothing else may run in between.
    entry = entries.debit(order)
    await ledger.post_many(s, [*also, entry], ctx.part(ledger.AccountIds))
    await entries.note_debit(ctx, s, order, entry)
    return Booked(order, product, steps, job)


async def book_and_fulfil(
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    req: OrderCreate,
    *,
    intent: IdempotencyIntent | None,
    claim: Claim | None,
) -> Outcome:
    inline = runner is not None and ctx.settings.sync_fulfillment_timeout > 0
    order_id = new_id("ord")
    record_id = claim.record_id if claim else None
    try:
        async with ctx.db.unit_of_work() as s:
            if intent is not None:  # first, so that a reused key is told apart before anything is validated
                record_id = await ctx.idempotency.claim_in(
                    s, ident.org_id, ident.mode, intent.key, intent.fingerprint, order_id
                )
                if record_id is None:
                    raise KeyExists
            elif claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, order_id)
            order, product, steps, job = await book(s, ctx, registry, runner, ident, req, order_id)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    if runner is not None:
        runner.wake()  # the order.created deliveries are due now
    if inline:
        ctx.part(OrdersState).handoff[order.id] = Handoff(order, steps, product, record_id)
    return await answer(ctx, runner, ident, order.id, job, record_id)
