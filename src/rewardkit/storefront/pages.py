"""The store's pages under /s/{slug}/ (#15): a signed-in member's home, catalog, products, checkout, "my
rewards" and sign-out, in the store's frame. Plain HTML forms and links: everything works with
JavaScript off (storefront.js only stops a double submit and copies codes). The sign-in entry points
(/s/{slug}/sso, the session link) are sessions.py's; they set the cookie and send the member here.

    GET  /s/{slug}/                                   balance, featured rewards, search and categories
    GET  /s/{slug}/catalog?q=&category=&min=&max=&cursor=   the catalog, filtered, a page at a time
    GET  /s/{slug}/products/{product_id}              one product, its denominations in points
    GET  /s/{slug}/checkout?product=&denomination=    the confirmation (nothing is written)   checkout.py
    POST /s/{slug}/checkout                           redeem -> 303 /s/{slug}/rewards/{order}   checkout.py
    GET  /s/{slug}/rewards[/{order_id}]               "my rewards"; one reward (code hidden)    rewards.py
    POST /s/{slug}/rewards/{order_id}/reveal          -> 303 the reward with its code shown    rewards.py
    POST /s/{slug}/signout                            end the session -> 303 the store's return_url

Not signed in (or expired, or signed out): a 401 page. Anything that is not this member's (another
member's order, another org's, an unknown id): the same 404 page as nothing at all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from rewardkit.kit.errors import Problem
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.storefront import checkout, page_kit, rewards, sessions, store
from rewardkit.storefront.page_kit import html

router = APIRouter(include_in_schema=False)
router.include_router(checkout.router)
router.include_router(rewards.router)

Ctx = Annotated[Runtime, Depends(get_runtime)]
MAX_POINTS = 10**15  # a filter beyond any balance: still a number the page can echo
MAX_QUERY = 100  # characters of a search kept


def _points_filter(raw: str) -> int | None:
    """A min/max points field: digits (spaces and separators forgiven), else no filter."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not digits or len(digits) > 15:
        return None
    return min(int(digits), MAX_POINTS)


@router.get("/s/{slug}/", response_class=HTMLResponse)
async def home(request: Request, slug: str, ctx: Ctx) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    who = await store.member(ctx, visit)
    featured = await store.shelf(ctx, visit, who, store.Filters(), None, store.FEATURED)
    return html(
        "storefront_home.html",
        visit.store,
        visit=visit,
        who=who,
        featured=featured.products,
        categories=store.categories(visit),
    )


@router.get("/s/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def home_no_slash(slug: str) -> Response:
    return page_kit.see(page_kit.base(slug) + "/")


@router.get("/s/{slug}/catalog", response_class=HTMLResponse)
async def catalog_page(
    request: Request,
    slug: str,
    ctx: Ctx,
    # No max_length on the fields: a pasted long search is a person's input and must get the page
    # (clipped below), never a JSON 422 (the server caps the whole URL anyway).
    q: Annotated[str, Query()] = "",
    category: Annotated[str, Query()] = "",
    min: Annotated[str, Query()] = "",  # noqa: A002 - the form's field names
    max: Annotated[str, Query()] = "",  # noqa: A002
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    q, min, max = q[:MAX_QUERY], min[:24], max[:24]  # noqa: A001 - the form's field names
    cursor = cursor if cursor and len(cursor) <= 300 else None  # longer: not ours, start from the top
    who = await store.member(ctx, visit)
    offered = store.categories(visit)
    chosen = category if category in {c for c, _ in offered} else ""  # anything else (any length): all
    f = store.Filters(q=q.strip(), category=chosen, min_points=_points_filter(min), max_points=_points_filter(max))
    try:
        shelf = await store.shelf(ctx, visit, who, f, cursor or None)
    except Problem:  # a cursor not ours (invalid_cursor): start again from the top
        shelf = await store.shelf(ctx, visit, who, f, None)
    return html(
        "storefront_catalog.html",
        visit.store,
        visit=visit,
        who=who,
        shelf=shelf,
        f=f,
        categories=offered,
        first_page=cursor is None,
    )


@router.get("/s/{slug}/products/{product_id}", response_class=HTMLResponse)
async def product_page(request: Request, slug: str, product_id: str, ctx: Ctx) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    who = await store.member(ctx, visit)
    priced = await store.product(ctx, visit, who, product_id)
    if priced is None:
        return page_kit.missing(visit.store)
    return html("storefront_product.html", visit.store, visit=visit, who=who, product=priced)


@router.post("/s/{slug}/signout", response_class=HTMLResponse)
async def sign_out(request: Request, slug: str, ctx: Ctx) -> Response:
    visit = await page_kit.visit_or_page(ctx, request, slug)
    if isinstance(visit, HTMLResponse):
        return visit
    if await page_kit.guarded_form(ctx, request, visit) is None:
        return page_kit.forbidden(visit.store)
    back = await sessions.sign_out(ctx, visit)
    response = page_kit.see(back)
    sessions.clear_cookie(ctx, response, visit.store.slug)
    return response


@router.get("/s/{slug}/{rest:path}", response_class=HTMLResponse)
async def unknown_page(slug: str, rest: str, ctx: Ctx) -> Response:
    """Any other address under a store (a mistyped or truncated URL, a bookmarked form target): the
    store's 404 page, not the API's JSON problem. Registered last, so every real page wins."""
    return page_kit.missing(await sessions.store_by_slug(ctx, slug))
