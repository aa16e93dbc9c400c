"""What every store page shares (pages.py, checkout.py, rewards.py): rendering in the store's frame with
its headers, the signed-in visit or the 401 page, and the guard every POST passes (#15).

A POST is accepted only with the visit's CSRF token in its `csrf` field and from this site: a browser's
Sec-Fetch-Site must say same-origin (or none), and an Origin header, if it names one, must be ours. The
session cookie alone never suffices (links/pages.py does the same for the claim page).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from rewardkit import web
from rewardkit.runtime import Runtime
from rewardkit.storefront import service, sessions
from rewardkit.storefront.errors import SignInRequired
from rewardkit.storefront.sessions import Store, Visit

MAX_FORM_BYTES = 4096
# An origin as PUT /v1/storefront stores it; checked again here so nothing else reaches the CSP header.
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


def base(slug: str) -> str:
    return f"/s/{quote(slug, safe='')}"


def html(name: str, store: Store | None, status: int = 200, **context: Any) -> HTMLResponse:
    """A store page in the store's frame. The store's allowed_frame_ancestors may embed it (CSP
    frame-ancestors); X-Frame-Options cannot name origins, so it says DENY only when nobody may."""
    frame = store.frame if store is not None else None
    ancestors = tuple(store.frame_ancestors) if store is not None else ()
    body, headers = web.page(name, frame, ancestors, store=store, base=base(store.slug) if store else "", **context)
    targets = [o for o in (store.return_origins if store is not None else ()) if _ORIGIN.fullmatch(o)]
    if targets:  # sign-out's form ends in a 303 to the customer's site: form-action must allow it
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "form-action 'self'", "form-action 'self' " + " ".join(targets)
        )
    if not ancestors:
        headers["X-Frame-Options"] = "DENY"
    return HTMLResponse(body, status_code=status, headers=headers)


def see(url: str) -> RedirectResponse:
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return RedirectResponse(url, status_code=303, headers=headers)


def missing(store: Store | None) -> HTMLResponse:
    """Unknown, another member's and another org's things all look like this (no oracle)."""
    return html("storefront_message.html", store, 404, heading="Not found",
                detail="There is nothing here. It may have been moved, or the address is wrong.")  # fmt: skip


def forbidden(store: Store | None) -> HTMLResponse:
    return html("storefront_message.html", store, 403, heading="This form has expired",
                detail="Go back to the store, reload the page and try once more.")  # fmt: skip


async def signed_out(ctx: Runtime, slug: str) -> HTMLResponse:
    """The 401 page: the session is missing, expired or signed out. It links back to the customer's
    site (the store's first allowed return origin) when the store is known."""
    row = await service.store_row(ctx, slug)
    if row is None:  # no such store: nothing to sign in to
        return missing(None)
    store = await sessions.store_by_slug(ctx, slug)
    back = row.return_origins[0] + "/" if row.return_origins else None
    return html("storefront_signin.html", store, 401, back=back)


async def visit_or_page(ctx: Runtime, request: Request, slug: str) -> Visit | HTMLResponse:
    """The signed-in visit, or the page to answer instead (401 signed out; 404 no such store)."""
    try:
        return await sessions.visit(request, slug)
    except SignInRequired:
        return await signed_out(ctx, slug)


async def form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the pages' forms), first value of each field."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return {}
    try:
        parsed = parse_qs(raw.decode(), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in parsed.items() if v}


def same_origin(ctx: Runtime, request: Request) -> bool:
    """Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for the page's own forms,
    so null (like no header at all) proves nothing either way: the csrf field still has to be right."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    mine = {urlsplit(ctx.settings.public_url).netloc, request.headers.get("host", "")}
    return urlsplit(origin).netloc in mine


async def guarded_form(ctx: Runtime, request: Request, visit: Visit) -> dict[str, str] | None:
    got = await form(request)
    if not same_origin(ctx, request) or not sessions.csrf_ok(ctx, visit, got.get("csrf", "")):
        return None
    return got
