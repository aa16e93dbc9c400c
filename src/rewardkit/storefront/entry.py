"""The store's two ways in (hosted, not in the OpenAPI description):

    GET /s/{slug}/enter/{token}   a session link (POST /v1/storefront/sessions): sign in once, 303 /s/{slug}/;
                                  a used or expired link: 303 to its refresh_url; an unknown one: 404 page
    GET /s/{slug}/sso?token=JWT   JWT SSO: sign in, 303 /s/{slug}/; a refused token: a plain page with the
                                  problem's code (4xx), a log line and a `storefront.sso_failed` event

Both answer with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`: the token is in the URL.
The store's pages (/s/{slug}/…) are part B's (pages.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rewardkit import web
from rewardkit.kit.errors import Problem
from rewardkit.kit.head import HEAD_MARK
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.storefront import service, sessions
from rewardkit.storefront.models import Storefront

router = APIRouter(include_in_schema=False)

_NO_TRACE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=dict(_NO_TRACE))


def _page(store: sessions.Store | None, status: int, heading: str, detail: str, code: str, back: str | None,
          ancestors: tuple[str, ...] = ()) -> HTMLResponse:  # fmt: skip
    frame = store.frame if store is not None else None
    html, headers = web.page("store_sso_refused.html", frame, store=store, heading=heading, detail=detail,
                             code=code, back=back)  # fmt: skip
    if ancestors:  # an embedded store shows its refusals inside the customer's page too
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", "frame-ancestors " + " ".join(ancestors)
        )
    else:
        headers["X-Frame-Options"] = "DENY"
    return HTMLResponse(html, status_code=status, headers=headers)


async def _unknown(ctx: Runtime, slug: str) -> HTMLResponse:
    # On a real store's slug the page wears the store's brand and links back to the customer's site;
    # an unknown slug gets the neutral frame (nothing to say whose it is).
    store = await sessions.store_by_slug(ctx, slug)
    row = await service.store_row(ctx, slug) if store is not None else None
    back = row.return_origins[0] + "/" if row is not None and row.return_origins else None
    return _page(store, 404, "This sign-in link is not valid",
                 "Check that you opened the whole link.", "storefront_session_link_not_found", back,
                 store.frame_ancestors if store else ())  # fmt: skip


async def _signed_in(ctx: Runtime, slug: str, token: str) -> RedirectResponse:
    response = _see(sessions.path_of(slug) + "/")
    sessions.set_cookie(ctx, response, slug, token)
    return response


def _head(request: Request) -> bool:
    """A HEAD (a link checker, a preview) answers as the GET would, but must not spend the single-use
    link or the JWT's jti: where the GET would sign in, it gets an empty 200 and the token stays good."""
    return bool(request.scope.get(HEAD_MARK))


def _unspent() -> Response:
    return Response(status_code=200, headers=dict(_NO_TRACE))


@router.get("/s/{slug}/enter/{token}", response_class=HTMLResponse, response_model=None)
async def enter(request: Request, slug: str, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    entered = await service.enter(ctx, slug, token, spend=not _head(request))
    if entered.usable:
        return _unspent()
    if entered.token is not None:
        return await _signed_in(ctx, slug, entered.token)
    if entered.redirect is not None:
        return _see(entered.redirect)
    return await _unknown(ctx, slug)


async def _refused(ctx: Runtime, row: Storefront, problem: Problem, token: str) -> HTMLResponse:
    await service.record_refusal(ctx, row, problem, token)
    store = await sessions.store_by_slug(ctx, row.slug)
    back = row.return_origins[0] + "/" if row.return_origins else None
    return _page(store, problem.status, "We could not sign you in", problem.title + ".",
                 problem.code, back, tuple(row.frame_ancestors))  # fmt: skip


@router.get("/s/{slug}/sso", response_class=HTMLResponse, response_model=None)
async def sso(
    request: Request,
    slug: str,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    # No max_length here: an oversized token must get the refusal page (sso.verify caps it), not a JSON 422.
    token: Annotated[str, Query()] = "",
) -> Response:
    row = await service.store_row(ctx, slug)
    if row is None:
        return _page(None, 404, "No such store", "Check the address.", "storefront_not_found", None)
    try:
        if _head(request):
            await service.verify_jwt(ctx, row, token)
            return _unspent()
        session = await service.sign_in_with_jwt(ctx, row, token)
    except Problem as problem:
        return await _refused(ctx, row, problem, token)
    return await _signed_in(ctx, slug, session)
