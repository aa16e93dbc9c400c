"""The hosted voucher page (/v/{token}): what the recipient opens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rewardkit import web
from rewardkit.kit.money import format_major
from rewardkit.orders import service
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(include_in_schema=False)

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'",
}


@router.get("/v/{token}", response_class=HTMLResponse)
async def voucher_page(request: Request, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    found = await service.by_voucher_token(ctx, token)
    if found is None:
        html = web.render("voucher_missing.html")
        return HTMLResponse(html, status_code=404, headers=_HEADERS)
    order, product = found
    html = web.render(
        "voucher.html",
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
    return HTMLResponse(html, headers=_HEADERS)
