"""My rewards (#15): the member's past redemptions, and one reward with its voucher. A code is shown
only after the member asks (POST …/reveal, CSRF-guarded, then 303 to the reward with `?code=shown`), so
a page left open on a shared screen or in the browser's history never shows it unasked. The voucher is
the order as GET /v1/orders/{id} renders it (codes decrypted there, nowhere else)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from rewardkit.kit.errors import Problem
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.storefront import page_kit, store
from rewardkit.storefront.page_kit import html

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Runtime, Depends(get_runtime)]
PENDING = ("pending", "processing")


def _voucher(order: dict[str, Any]) -> dict[str, Any]:
    v = order.get("voucher") or {}
    return {
        "id": order["id"],
        "status": order["status"],
        "product_id": order["product_id"],
        "amount": order["face_value"]["value"],
        "currency": order["currency"],
        "created_at": (order.get("created_at") or "")[:10],
        "code": v.get("code"),
        "pin": v.get("pin"),
        "expires_at": (v.get("expires_at") or "")[:10] or None,
    }


@router.get("/s/{slug}/rewards", response_class=HTMLResponse)
async def my_rewards(
    request: Request, slug: str, ctx: Ctx, cursor: Annotated[str | None, Query(max_length=300)] = None
) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    who = await store.member(ctx, visit)
    try:
        found, more = await store.rewards(ctx, visit, cursor or None)
    except Problem:  # a cursor not ours: the first page
        found, more = await store.rewards(ctx, visit, None)
    items = [
        {**_voucher(o), "points": o["points"], "name": await store.product_name(ctx, o["product_id"])} for o in found
    ]
    return html("storefront_rewards.html", visit.store, visit=visit, who=who, items=items, next_cursor=more)


@router.get("/s/{slug}/rewards/{order_id}", response_class=HTMLResponse)
async def one_reward(
    request: Request, slug: str, order_id: str, ctx: Ctx, code: Annotated[str, Query(max_length=8)] = ""
) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    got = await store.reward(ctx, visit, order_id)
    if got is None:
        return page_kit.missing(visit.store)
    who = await store.member(ctx, visit)
    v = {**_voucher(got["order"]), "name": await store.product_name(ctx, got["order"]["product_id"])}
    return html(
        "storefront_reward.html",
        visit.store,
        visit=visit,
        who=who,
        v=v,
        points=abs(int(got["points"])),
        returned=got["returned"] is not None,
        pending=v["status"] in PENDING,
        shown=code == "shown",
    )


@router.post("/s/{slug}/rewards/{order_id}/reveal", response_class=HTMLResponse)
async def reveal(request: Request, slug: str, order_id: str, ctx: Ctx) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    if await page_kit.guarded_form(ctx, request, visit) is None:
        return page_kit.forbidden(visit.store)
    if await store.reward(ctx, visit, order_id) is None:
        return page_kit.missing(visit.store)
    return page_kit.see(f"{page_kit.base(slug)}/rewards/{order_id}?code=shown")
