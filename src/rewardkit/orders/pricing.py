"""An order's row before it is booked: product and country checks, face value, who pays and in which
currency (FX through the org's default currency where it has no wallet in the product's)."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.principals import Principal
from rewardkit.catalog import service as catalog
from rewardkit.kit.db import utcnow
from rewardkit.ledger import service as ledger
from rewardkit.orders.errors import CountryNotServed, InvalidSandboxValue
from rewardkit.orders.models import Order
from rewardkit.orders.schemas import OrderCreate
from rewardkit.suppliers.adapters import sandbox

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


class Priced(NamedTuple):
    order: Order  # pending, not written yet
    product: Any  # catalog.models.Product, detached (shared through the product cache)


async def prepare(s: AsyncSession, ctx: Runtime, ident: Principal, req: OrderCreate, order_id: str) -> Priced:
    magic = req.metadata.get("sandbox")
    if magic is not None and ident.mode == "test" and (why := sandbox.check_magic_value(magic)) is not None:
        raise InvalidSandboxValue(
            f"metadata.sandbox: {why}.",
            errors=[{"field": "metadata.sandbox", "pointer": "/metadata/sandbox", "in": "body", "message": why}],
        )
    product = await catalog.get_product(s, ctx.part(catalog.ProductCache), req.product_id)
    if req.country and req.country.upper() not in product.countries:
        raise CountryNotServed(f"{product.id} is sold in {', '.join(product.countries)}.")
    face = catalog.face_value(product, req.currency, Decimal(req.denomination))
    charge_currency, charge, rate, markup = req.currency, face, None, None
    if not await ledger.has_wallet(s, ident.org_id, ident.mode, req.currency, ctx.part(ledger.AccountIds)):
        default_currency = await auth.default_currency(s, ident.org_id)
        if default_currency != req.currency:
            markup = ctx.settings.fx_markup_bps
            conv = await catalog.convert(s, face, req.currency, default_currency, markup)
            charge_currency, charge, rate = default_currency, conv.charged, conv.rate
    now = utcnow()
    recipient = req.recipient if not isinstance(req.recipient, str) else None
    token = secrets.token_urlsafe(24)
    order = Order(
        id=order_id,
        org_id=ident.org_id,
        mode=ident.mode,
        status="pending",
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
    return Priced(order, product)
