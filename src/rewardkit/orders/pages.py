"""The hosted voucher page (/v/{token}): what the recipient opens, in the org's frame (web/, docs/branding.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rewardkit import web
from rewardkit.auth import service as auth
from rewardkit.kit.money import format_major
from rewardkit.orders import service
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(include_in_schema=False)


def frame_of(branding: auth.Branding) -> web.Frame:
    return web.Frame(
        name=branding.name,
        logo_url=branding.logo_url,
        logo_origin=branding.logo_origin,
        accent=branding.accent,
        accent_text=branding.accent_text,
        support_email=branding.support_email,
    )


@router.get("/v/{token}", response_class=HTMLResponse)
async def voucher_page(request: Request, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    found = await service.by_voucher_token(ctx, token)
    if found is None:
        html, headers = web.page("voucher_missing.html")
        return HTMLResponse(html, status_code=404, headers=headers)
    order, product, branding = found
    html, headers = web.page(
        "voucher.html",
        frame_of(branding),
        brand=product.brand,
        product_name=product.name,
        image_url=product.image_url,
        amount=format_major(order.face_amount, order.currency),
        currency=order.currency,
        code=ctx.keyring.decrypt(order.voucher_code) if order.voucher_code else None,
        pin=ctx.keyring.decrypt(order.voucher_pin) if order.voucher_pin else None,
        expires_at=order.voucher_expires_at.date().isoformat() if order.voucher_expires_at else None,
        instructions=product.redemption_instructions,
        terms=product.terms,
        test_mode=order.mode == "test",
        recipient_name=order.recipient_name,
    )
    return HTMLResponse(html, headers=headers)
