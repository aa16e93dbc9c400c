"""The fulfilment job. Idempotent: it may run again after a crash at any line, and each step is
guarded (status transitions by WHERE status=…, ledger entries by unique reference, supplier
purchases by our order id as their idempotency key)."""

from __future__ import annotations

import asyncio
from typing import Any

from rewardkit.catalog import service as catalog
from rewardkit.jobs.service import Defer, Retry
from rewardkit.kit import faults
from rewardkit.kit.context import AppContext
from rewardkit.kit.db import utcnow
from rewardkit.orders import repository
from rewardkit.orders.models import Order
from rewardkit.orders.service import move, refund_debit, settle
from rewardkit.suppliers.base import PlaceRequest, PlaceResult, SupplierPermanent, SupplierTransient
from rewardkit.suppliers.registry import Registry


def registry_of(ctx: AppContext) -> Registry:
    registry: Registry = ctx.caches["suppliers"]
    return registry


async def fulfil(ctx: AppContext, payload: dict[str, Any], attempt: int) -> None:
    order_id = payload["order_id"]
    faults.checkpoint("fulfil:start")
    async with ctx.db.unit_of_work() as s:
        order = await repository.get_by_id(s, order_id)
        if order is None:
            return
        if order.status == "pending":
            moved = await move(ctx, s, order.id, "pending", "processing", f"sent to {order.supplier}", {}, utcnow())
            if moved is None:  # someone else moved it first: see where it is now
                await s.refresh(order)
        product = await catalog.get_product(s, order.product_id, include_inactive=True)
    if order.status != "processing":
        return  # already final (or canceled): nothing to do
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
            raise Retry(f"{supplier.name} timed out after {timeout}s") from exc
        except SupplierTransient as exc:
            raise Retry(f"{supplier.name}: {exc}", delay=exc.retry_after) from exc
        except SupplierPermanent as exc:
            last_error, last_supplier = exc, supplier.name
            continue
        faults.checkpoint("fulfil:placed")
        if result.status == "processing":
            async with ctx.db.unit_of_work() as s:
                await repository.set_supplier(s, order.id, {"supplier_ref": result.supplier_ref})
            raise Defer(f"{supplier.name} is still processing", delay=ctx.settings.supplier_poll_seconds)
        await _fulfilled(ctx, order, result)
        faults.checkpoint("fulfil:committed")
        return
    await _failed(ctx, order, last_error, last_supplier)


async def _fulfilled(ctx: AppContext, order: Order, result: PlaceResult) -> None:
    now = utcnow()
    values = {
        "supplier_ref": result.supplier_ref,
        "voucher_code": ctx.keyring.encrypt(result.code) if result.code else None,
        "voucher_pin": ctx.keyring.encrypt(result.pin) if result.pin else None,
        "voucher_expires_at": result.expires_at,
        "fulfilled_at": now,
    }
    async with ctx.db.unit_of_work() as s:
        if await move(ctx, s, order.id, "processing", "fulfilled", f"fulfilled by {order.supplier}", values, now):
            await settle(s, order)


async def _failed(ctx: AppContext, order: Order, error: SupplierPermanent | None, supplier: str) -> None:
    code = error.code if error else "no_supplier"
    message = f"{supplier}: {error}" if error else "no supplier could fulfil this order"
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        values = {"failure_code": code, "failure_message": message[:500]}
        if await move(ctx, s, order.id, "processing", "failed", message[:300], values, now):
            await move(ctx, s, order.id, "failed", "refunded", "funds returned to the wallet", {}, now)
            await refund_debit(s, order, "refund")
