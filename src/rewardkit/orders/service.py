"""Order lifecycle: validate, debit the wallet, fulfil through a supplier, settle or refund.

Two transactions, never one held across a supplier call:
  1. the order (processing) + the debit into `pending` + the idempotency key's resource id;
  2. the supplier's answer: fulfilled (pending -> fulfillment) or refunded (pending -> wallet).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.service import Identity
from rewardkit.catalog import service as catalog
from rewardkit.kit.context import AppContext
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import format_major, money
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.ledger.service import Entry, Leg
from rewardkit.orders import repository
from rewardkit.orders.errors import CountryNotServed, OrderNotFound, ProductUnavailable
from rewardkit.orders.models import Order
from rewardkit.orders.schemas import OrderCreate, OrderOut
from rewardkit.suppliers.base import PlaceRequest, PlaceResult
from rewardkit.suppliers.registry import Registry

TERMINAL = {"fulfilled", "refunded", "failed", "canceled"}


@dataclass
class Outcome:
    status_code: int
    body: dict[str, Any]


def _debit_legs(order: Order) -> list[Leg]:
    """wallet (charge currency) -> pending (product currency), through the FX desk if they differ."""
    if order.charge_currency == order.currency:
        return [
            Leg("wallet", order.currency, -order.charge_amount),
            Leg("pending", order.currency, order.charge_amount),
        ]
    return [
        Leg("wallet", order.charge_currency, -order.charge_amount),
        Leg("fx", order.charge_currency, order.charge_amount),
        Leg("fx", order.currency, -order.face_amount),
        Leg("pending", order.currency, order.face_amount),
    ]


def _pending_amount(order: Order) -> int:
    return order.charge_amount if order.charge_currency == order.currency else order.face_amount


async def _prepare(s: AsyncSession, ctx: AppContext, ident: Identity, req: OrderCreate) -> Order:
    product = await catalog.get_product(s, req.product_id)
    if req.country and req.country.upper() not in product.countries:
        raise CountryNotServed(f"{product.id} is sold in {', '.join(product.countries)}.")
    face = catalog.face_value(product, req.currency, Decimal(req.denomination))
    held = await ledger.wallet_currencies(s, ident.org_id, ident.mode)
    charge_currency, charge, rate, markup = req.currency, face, None, None
    if req.currency not in held:
        default_currency = await auth.default_currency(s, ident.org_id)
        if default_currency != req.currency:
            markup = ctx.settings.fx_markup_bps
            conv = await catalog.convert(s, face, req.currency, default_currency, markup)
            charge_currency, charge, rate = default_currency, conv.charged, conv.rate
    now = utcnow()
    recipient = req.recipient if not isinstance(req.recipient, str) else None
    token = secrets.token_urlsafe(24)
    return Order(
        id=new_id("ord"),
        org_id=ident.org_id,
        mode=ident.mode,
        status="processing",
        product_id=product.id,
        currency=req.currency,
        face_amount=face,
        charge_currency=charge_currency,
        charge_amount=charge,
        fx_rate=rate,
        fx_markup_bps=markup,
        recipient_email=recipient.email if recipient else None,
        recipient_name=recipient.name if recipient else None,
        recipient_phone=recipient.phone if recipient else None,
        external_id=req.external_id,
        metadata_=dict(req.metadata),
        voucher_token_hash=ctx.keyring.hash(token),
        voucher_token=ctx.keyring.encrypt(token),
        created_at=now,
        updated_at=now,
    )


async def create(
    ctx: AppContext, registry: Registry, ident: Identity, req: OrderCreate, idem: Any | None = None
) -> Outcome:
    """Place an order. `idem` is a kit.idempotency.Claim when the call carried an Idempotency-Key."""
    if idem is not None and idem.resource_id:
        # A previous attempt with this key died after booking its order: finish that one.
        return await _finish(ctx, registry, ident, idem.resource_id, idem)
    try:
        async with ctx.db.unit_of_work() as s:
            order = await _prepare(s, ctx, ident, req)
            supplier = registry.route(ident.mode, order.product_id)
            if supplier is None:
                raise ProductUnavailable(f"No supplier is configured for {order.product_id} in {ident.mode} mode.")
            order.supplier = supplier.name
            await repository.add(s, order)
            await ledger.post(
                s,
                Entry(
                    org_id=ident.org_id,
                    mode=ident.mode,
                    kind="order_debit",
                    reference=f"{order.id}:debit",
                    legs=_debit_legs(order),
                    description=f"Order {order.id}",
                    source_id=order.id,
                ),
            )
            if idem is not None:
                await ctx.idempotency.attach(s, idem.record_id, order.id)
    except Problem:
        if idem is not None:
            await ctx.idempotency.release(idem.record_id)
        raise
    return await _finish(ctx, registry, ident, order.id, idem)


async def _finish(ctx: AppContext, registry: Registry, ident: Identity, order_id: str, idem: Any) -> Outcome:
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
    assert order is not None
    if order.status == "processing":
        async with ctx.db.unit_of_work(readonly=True) as s:
            product = await catalog.get_product(s, order.product_id)
        supplier = registry.route(order.mode, order.product_id)
        assert supplier is not None
        try:
            result = await supplier.place(
                PlaceRequest(
                    reference=order.id,
                    product_id=order.product_id,
                    currency=order.currency,
                    amount=order.face_amount,
                    validity_days=product.validity_days,
                    recipient_email=order.recipient_email,
                )
            )
        except Exception as exc:  # a supplier bug must not strand the money: refund
            result = PlaceResult(status="failed", failure_code="supplier_error", failure_message=str(exc)[:200])
        async with ctx.db.unit_of_work() as s:
            await _apply_result(s, ctx, order, result)
            body = render(ctx, order)
            if idem is not None:
                await ctx.idempotency.complete(s, idem.record_id, 200, body)
        return Outcome(200, body)
    body = render(ctx, order)
    if idem is not None:
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, idem.record_id, 200, body)
    return Outcome(200, body)


async def _apply_result(s: AsyncSession, ctx: AppContext, order: Order, result: PlaceResult) -> None:
    now = utcnow()
    if result.status == "fulfilled":
        values: dict[str, Any] = {
            "status": "fulfilled",
            "supplier_ref": result.supplier_ref,
            "voucher_code": ctx.keyring.encrypt(result.code) if result.code else None,
            "voucher_pin": ctx.keyring.encrypt(result.pin) if result.pin else None,
            "voucher_expires_at": result.expires_at,
            "fulfilled_at": now,
            "updated_at": now,
        }
        legs = [
            Leg("pending", order.currency, -_pending_amount(order)),
            Leg("fulfillment", order.currency, _pending_amount(order)),
        ]
        kind = "order_settle"
    elif result.status == "failed":
        values = {
            "status": "refunded",
            "failure_code": result.failure_code or "supplier_failed",
            "failure_message": result.failure_message,
            "updated_at": now,
        }
        legs = [Leg(leg.kind, leg.currency, -leg.amount) for leg in _debit_legs(order)]
        kind = "refund"
    else:
        return  # still processing: the supplier will answer later (issue #3: jobs poll it)
    if not await repository.transition(s, order.id, "processing", values):
        return  # someone else already moved it; they booked the money too
    await ledger.post(
        s,
        Entry(
            org_id=order.org_id,
            mode=order.mode,
            kind=kind,
            reference=f"{order.id}:{kind}",
            legs=legs,
            description=f"Order {order.id}",
            source_id=order.id,
        ),
    )
    for k, v in values.items():
        setattr(order, k, v)


def voucher_url(ctx: AppContext, order: Order) -> str | None:
    if order.voucher_token is None or order.status != "fulfilled":
        return None
    return f"{ctx.settings.public_url.rstrip('/')}/v/{ctx.keyring.decrypt(order.voucher_token)}"


def render(ctx: AppContext, o: Order) -> dict[str, Any]:
    url = voucher_url(ctx, o)
    recipient = (
        {"email": o.recipient_email, "name": o.recipient_name, "phone": o.recipient_phone}
        if (o.recipient_email or o.recipient_name or o.recipient_phone)
        else None
    )
    fx = (
        {
            "from_currency": o.currency,
            "to_currency": o.charge_currency,
            "rate": o.fx_rate,
            "markup_bps": o.fx_markup_bps,
        }
        if o.fx_rate
        else None
    )
    voucher = (
        {
            "code": ctx.keyring.decrypt(o.voucher_code) if o.voucher_code else None,
            "pin": ctx.keyring.decrypt(o.voucher_pin) if o.voucher_pin else None,
            "expires_at": o.voucher_expires_at,
            "url": url,
        }
        if url
        else None
    )
    return OrderOut(
        id=o.id,
        order_id=o.id,
        livemode=o.mode == "live",
        status=o.status,
        product_id=o.product_id,
        currency=o.currency,
        denomination=format_major(o.face_amount, o.currency),
        face_value=money(o.face_amount, o.currency),  # type: ignore[arg-type]
        charged=money(o.charge_amount, o.charge_currency),  # type: ignore[arg-type]
        fx=fx,  # type: ignore[arg-type]
        recipient=recipient,
        external_id=o.external_id,
        metadata=o.metadata_ or {},
        voucher_url=url,
        voucher=voucher,  # type: ignore[arg-type]
        failure={"code": o.failure_code, "message": o.failure_message or ""} if o.failure_code else None,
        created_at=o.created_at,
        updated_at=o.updated_at,
        fulfilled_at=o.fulfilled_at,
    ).model_dump(mode="json")


async def get(ctx: AppContext, ident: Identity, order_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
    if order is None:
        raise OrderNotFound(f"No order {order_id} for this API key.")
    return render(ctx, order)


async def list_orders(
    ctx: AppContext,
    ident: Identity,
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
    return page(rows, limit, key=lambda o: o.id, render=lambda o: render(ctx, o))


async def by_voucher_token(ctx: AppContext, token: str) -> tuple[Order, Any] | None:
    if not token or len(token) > 64:
        return None
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.by_token_hashes(s, ctx.keyring.hashes(token))
        if order is None or order.status != "fulfilled":
            return None
        product = await catalog.get_product(s, order.product_id, include_inactive=True)
    return order, product
