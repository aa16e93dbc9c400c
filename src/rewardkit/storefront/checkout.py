"""Checkout (#15): a confirmation step that writes nothing, then the redemption through the points API's
own function (points.redemptions.redeem), for the signed-in member only.

Each confirmation form carries a random nonce; the redemption's Idempotency-Key is made of the member
and that nonce. So submitting one form twice (a double click, a reload of the POST) redeems once and
answers the same order again, while two tabs are two forms and two attempts: with points for one, the
redemption locks the member row and the second finds too few points (insufficient_points, nothing
written), and its page says so in plain words.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from rewardkit.jobs.worker import Worker
from rewardkit.kit.errors import Problem
from rewardkit.orders.state import IdempotencyIntent
from rewardkit.points import redemptions
from rewardkit.points.schemas import RedemptionCreate
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.storefront import page_kit, store
from rewardkit.storefront.page_kit import html
from rewardkit.storefront.sessions import Visit
from rewardkit.suppliers.registry import Registry

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Runtime, Depends(get_runtime)]

NOT_ENOUGH = "You do not have enough points for this reward any more: your balance changed since you opened this page."
IN_FLIGHT = "This order is already being placed. Open “My rewards” in a moment to see it."


def _nonce_ok(nonce: str) -> bool:
    return 16 <= len(nonce) <= 64 and all(c.isalnum() or c in "-_" for c in nonce)


def _intent(visit: Visit, nonce: str, product_id: str, denomination: str) -> IdempotencyIntent:
    # The key names the member too: a nonce copied into another member's form is another key.
    key = f"storefront:{visit.store.id}:{visit.member_id}:{nonce}"
    what = f"{visit.member_id}\n{product_id}\n{denomination}".encode()
    return IdempotencyIntent(key, hashlib.sha256(what).hexdigest())


async def _confirm(
    ctx: Runtime, visit: Visit, product_id: str, denomination: str, *, error: str | None = None, status: int = 200
) -> Response:
    who = await store.member(ctx, visit)
    priced = await store.product(ctx, visit, who, product_id)
    if priced is None:
        return page_kit.missing(visit.store)
    chosen = store.option(priced, denomination.strip())
    if chosen is None:
        return html("storefront_product.html", visit.store, 422, visit=visit, who=who, product=priced,
                    error="Choose one of the amounts this reward is sold in.")  # fmt: skip
    if chosen["points"] is None:  # an amount of a range product: its price in points
        chosen["points"] = store.points_of(who.program, chosen["value"], priced["currency"])
        if chosen["points"] is None:
            return html("storefront_product.html", visit.store, 422, visit=visit, who=who, product=priced,
                        error="That amount is not worth a whole number of points: choose another.")  # fmt: skip
    return html(
        "storefront_checkout.html",
        visit.store,
        status,
        visit=visit,
        who=who,
        product=priced,
        chosen=chosen,
        enough=who.available >= chosen["points"],
        nonce=secrets.token_urlsafe(18),
        error=error,
    )


@router.get("/s/{slug}/checkout", response_class=HTMLResponse)
async def confirm(
    request: Request,
    slug: str,
    ctx: Ctx,
    product: Annotated[str, Query(max_length=80)] = "",
    denomination: Annotated[str, Query(max_length=24)] = "",
) -> Response:
    """What will be redeemed, for how many points, and one button. Nothing is written here."""
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    return await _confirm(ctx, visit, product, denomination)


def _runner(request: Request) -> Worker | None:
    rt: Runtime = request.app.state.runtime
    return rt.worker


@router.post("/s/{slug}/checkout", response_class=HTMLResponse)
async def place(request: Request, slug: str, ctx: Ctx) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    got = await page_kit.guarded_form(ctx, request, visit)
    if got is None:
        return page_kit.forbidden(visit.store)
    product_id, denomination, nonce = got.get("product", ""), got.get("denomination", "").strip(), got.get("nonce", "")
    who = await store.member(ctx, visit)
    priced = await store.product(ctx, visit, who, product_id)
    if priced is None:  # not sold in this store, to this member (the page never offers it)
        return page_kit.missing(visit.store)
    chosen = store.option(priced, denomination)
    if chosen is None or not _nonce_ok(nonce):
        why = "This form was not filled in by the store: check the reward and try again."
        return await _confirm(ctx, visit, product_id, denomination, status=422, error=why)
    try:
        req = RedemptionCreate.model_validate(
            {"product_id": product_id, "denomination": chosen["value"], "currency": priced["currency"]}
        )
    except ValueError:
        return page_kit.missing(visit.store)
    intent = _intent(visit, nonce, product_id, chosen["value"])
    try:
        done = await redemptions.redeem(
            ctx, ctx.part(Registry), _runner(request), visit.principal, visit.store.program_id, visit.member_id,
            req, intent,
        )  # fmt: skip
    except Problem as exc:
        if exc.code == "insufficient_points":  # the other tab (or anything else) spent them first
            return await _confirm(ctx, visit, product_id, denomination, error=NOT_ENOUGH, status=409)
        if exc.code == "idempotency_key_in_flight":  # this very form, submitted twice at once
            return await _confirm(ctx, visit, product_id, denomination, error=IN_FLIGHT, status=409)
        return await _confirm(ctx, visit, product_id, denomination, error=exc.detail, status=exc.status)
    order_id = done.body["order"]["id"]
    return page_kit.see(f"{page_kit.base(slug)}/rewards/{order_id}")
