"""The fulfilment job. Idempotent: it may run again after a crash at any line, and each step is
guarded (status transitions by WHERE status=…, ledger entries by unique reference, supplier
purchases by our order id as their idempotency key)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.catalog import service as catalog
from rewardkit.events.service import NewEvent, insert_rows
from rewardkit.jobs import service as jobs
from rewardkit.jobs.service import Defer, Retry, current_run, finish_current, finish_runs
from rewardkit.kit import faults, sql
from rewardkit.kit.db import utcnow
from rewardkit.kit.group_commit import Alone
from rewardkit.kit.idempotency import Answer
from rewardkit.ledger import service as ledger
from rewardkit.orders import repository
from rewardkit.orders.entries import refund_debit, settle, settle_entry
from rewardkit.orders.models import EVENT_OF_STATUS, Order, OrderTransition
from rewardkit.orders.render import render
from rewardkit.orders.state import Finish, FinishWriter, OrdersState
from rewardkit.orders.transitions import move
from rewardkit.suppliers.base import PlaceRequest, PlaceResult, SupplierPermanent, SupplierTransient
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.orders")
ORDER_FULFILLED = EVENT_OF_STATUS["fulfilled"]


def registry_of(ctx: Runtime) -> Registry:
    return ctx.part(Registry)


async def fulfil(ctx: Runtime, payload: dict[str, Any], attempt: int) -> dict[str, Any] | None:
    """Returns the final order as rendered in its last transaction, if this run made it final."""
    order_id = payload["order_id"]
    # The fast path: the request that booked the order is running us, and handed it over.
    handoff = ctx.part(OrdersState).handoff.pop(order_id, None)
    faults.checkpoint("fulfil:start")
    if handoff is not None:
        order, product, record_id = handoff.order, handoff.product, handoff.idempotency_record
        timeline: list[OrderTransition] | None = handoff.timeline
    else:
        record_id, timeline = None, None
        async with ctx.db.unit_of_work() as s:
            found = await repository.get_by_id(s, order_id)
            if found is None:
                return None
            order = found
            if order.status == "pending":
                moved = await move(ctx, s, order.id, "pending", "processing", f"sent to {order.supplier}", {}, utcnow())
                if moved is not None:
                    order = moved.order
                else:  # someone else moved it first: see where it is now
                    await s.refresh(order)
            products = ctx.part(catalog.ProductCache)
            product = await catalog.get_product(s, products, order.product_id, include_inactive=True)
    if order.status != "processing":
        return None  # already final (or canceled): nothing to do
    faults.checkpoint("fulfil:processing")

    chain = registry_of(ctx).route(order.mode, order.product_id)
    names = [sup.name for sup in chain]
    start = names.index(order.supplier) if order.supplier in names else 0
    last_error: SupplierPermanent | None = None
    last_supplier = order.supplier or "supplier"
    for supplier in chain[start:]:
        if supplier.name != order.supplier:
            async with ctx.db.unit_of_work() as s:  # failover: remember where we are before calling
                await repository.set_supplier(s, order.id, {"supplier": supplier.name, "supplier_ref": None})
            order.supplier, order.supplier_ref = supplier.name, None
        req = PlaceRequest(
            reference=order.id,
            mode=order.mode,
            product_id=order.product_id,
            currency=order.currency,
            amount=order.face_amount,
            validity_days=product.validity_days,
            created_at=order.created_at,
            attempt=attempt,
            recipient_email=order.recipient_email,
            metadata=order.metadata_ or {},
        )
        timeout = ctx.settings.supplier_timeout_seconds
        try:
            call = supplier.status(req) if order.supplier_ref else supplier.place(req)
            result = await asyncio.wait_for(call, timeout=timeout)
        except TimeoutError as exc:
            # The supplier may have bought it: retry the same supplier with the same reference.
            ctx.metrics.supplier_errors.labels(supplier.name, "timeout").inc()
            raise Retry(f"{supplier.name} timed out after {timeout}s") from exc
        except SupplierTransient as exc:
            ctx.metrics.supplier_errors.labels(supplier.name, "transient").inc()
            raise Retry(f"{supplier.name}: {exc}", delay=exc.retry_after) from exc
        except SupplierPermanent as exc:
            ctx.metrics.supplier_errors.labels(supplier.name, "permanent").inc()
            last_error, last_supplier = exc, supplier.name
            continue
        faults.checkpoint("fulfil:placed")
        if result.status == "processing":
            async with ctx.db.unit_of_work() as s:
                await repository.set_supplier(s, order.id, {"supplier_ref": result.supplier_ref})
            raise Defer(f"{supplier.name} is still processing", delay=ctx.settings.supplier_poll_seconds)
        body = await _fulfilled(ctx, order, result, record_id, timeline)
        faults.checkpoint("fulfil:committed")
        return body
    return await _failed(ctx, order, last_error, last_supplier, record_id)


async def _final(ctx: Runtime, s: AsyncSession, record_id: int | None, body: dict[str, Any]) -> None:
    """The final transaction also finishes the job and stores the answer for the Idempotency-Key:
    one commit where there were three."""
    await finish_current(s)
    if record_id is not None:
        await ctx.idempotency.complete(s, record_id, 200, body)


async def _fulfilled(
    ctx: Runtime, order: Order, result: PlaceResult, record_id: int | None, timeline: list[OrderTransition] | None
) -> dict[str, Any] | None:
    now = utcnow()
    values = {
        "supplier_ref": result.supplier_ref,
        "voucher_code": ctx.keyring.encrypt(result.code) if result.code else None,
        "voucher_pin": ctx.keyring.encrypt(result.pin) if result.pin else None,
        "voucher_expires_at": result.expires_at,
    }
    reason = f"fulfilled by {order.supplier}"
    if timeline is not None and ctx.settings.group_commit:  # the fast path: share the commit with others
        try:
            return await _finishing(ctx).submit(Finish(order, reason, values, timeline, record_id, current_run.get()))
        except Alone:
            pass
    values["fulfilled_at"] = now
    async with ctx.db.unit_of_work() as s:
        moved = await move(ctx, s, order.id, "processing", "fulfilled", reason, values, now, timeline)
        if moved is None:
            return None
        await _final(ctx, s, record_id, moved.body)
        # Last: the pending account's row lock is held from here to the commit.
        await settle(s, order, ctx.part(ledger.AccountIds))
    return moved.body


def _finishing(ctx: Runtime) -> FinishWriter:
    """The process's group commit of fulfilled orders (kit/group_commit.py)."""

    async def write(items: list[Finish]) -> list[dict[str, Any] | None | BaseException]:
        return await _finish_batch(ctx, items)

    return ctx.part(OrdersState).finishing(write)


async def _finish_batch(ctx: Runtime, items: list[Finish]) -> list[dict[str, Any] | None | BaseException]:
    """_fulfilled's transaction for a batch of fast-path orders: each order's guarded move to fulfilled,
    then, for all of them at once, the timeline rows, the events, the jobs' finish, the stored answers
    of their Idempotency-Keys and the settlement. If anything fails, each goes alone (_fulfilled)."""
    out: list[dict[str, Any] | None | BaseException] = [None] * len(items)
    runs = [it.run for it in items if it.run is not None]
    try:
        async with ctx.db.unit_of_work() as s:
            now = utcnow()
            for it in items:
                it.values["fulfilled_at"] = now
            held = await repository.move_and_set_many(
                s, [(it.order.id, it.values) for it in items], "processing", "fulfilled", now
            )
            done: list[tuple[int, Order, dict[str, Any]]] = []
            steps = []
            for i, it in enumerate(items):
                if it.order.id not in held:  # someone else moved it first: as _fulfilled, nothing to answer
                    continue
                # As booked (the handoff), with what this move wrote; a copy, so that the one-at-a-time
                # path still finds the order as booked if this batch rolls back.
                order = sql.copy(it.order, status="fulfilled", updated_at=now, **it.values)
                step = OrderTransition(
                    order_id=order.id, from_status="processing", to_status="fulfilled", reason=it.reason, created_at=now
                )
                steps.append(step)
                done.append((i, order, render(ctx, order, [*it.timeline, step])))
            if not done:
                return out
            emitted = ctx.events.new([NewEvent(o.org_id, o.mode, ORDER_FULFILLED, body) for _, o, body in done])
            finish = jobs.finish_write(runs, now)
            answers = [Answer(rid, 200, body) for i, _, body in done if (rid := items[i].record_id) is not None]
            held_jobs = await sql.write_all(  # one round trip on PostgreSQL (kit/sql.py says why)
                s,
                [
                    repository.transition_rows(steps),
                    insert_rows(emitted),
                    ctx.idempotency.complete_write(answers),
                    *([finish] if finish is not None else []),
                ],
                returning=jobs.FINISHED if finish is not None else None,
            )
            if finish is not None:
                jobs.adopt_finished(runs, held_jobs)
            else:
                await finish_runs(s, runs)
            await ctx.events.fan_out(s, emitted)
            known = ctx.part(ledger.AccountIds)
            await ledger.post_many(s, [settle_entry(o) for _, o, _ in done], known)  # last: holds the pending row lock
    except BaseException as exc:
        for run in runs:
            run.finished = False  # rolled back: the one-at-a-time path (or the worker) finishes each job again
        if not isinstance(exc, Exception):
            raise
        log.warning("a batch of %d fulfilled orders went one at a time: %s", len(items), type(exc).__name__)
        return [Alone("batch failed") for _ in items]
    for i, _, body in done:
        out[i] = body
    return out


async def _failed(
    ctx: Runtime, order: Order, error: SupplierPermanent | None, supplier: str, record_id: int | None
) -> dict[str, Any] | None:
    code = error.code if error else "no_supplier"
    message = f"{supplier}: {error}" if error else "no supplier could fulfil this order"
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        values = {"failure_code": code, "failure_message": message[:500]}
        if await move(ctx, s, order.id, "processing", "failed", message[:300], values, now) is None:
            return None
        refunded = await move(ctx, s, order.id, "failed", "refunded", "funds returned to the wallet", {}, now)
        assert refunded is not None  # we hold the order in `failed` within this transaction
        await _final(ctx, s, record_id, refunded.body)
        await refund_debit(s, order, "refund", ctx.part(ledger.AccountIds))
    return refunded.body
