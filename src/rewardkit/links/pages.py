"""The hosted claim page /l/{token} (#13): the link in the org's frame, its choices, a confirmation
step, then the voucher. Plain HTML forms (works with JavaScript off; links.js only filters the list as
one types and stops a double submit). Every rule is the claim API's: the page calls the same service
functions (claim_page / redeem / send_verification / check_verification), never its own.

    GET  /l/{token}[?q=&claimed=<order id>&sent=1]   the link; its choices (filtered by q); a claimed voucher
    GET  /l/{token}/confirm?product=&denomination=    "claim this?" (nothing is written)
    POST /l/{token}/claim                             redeem -> 303 /l/{token}?claimed=<order id>
    POST /l/{token}/verification                      email a code -> 303 /l/{token}?sent=1
    POST /l/{token}/verification/check                right code -> cookie, 303 /l/{token}

CSRF (docs/links.md "The hosted claim page"): every form carries a hidden `csrf` field, the HMAC of the
link's token under the keyring, checked on POST; and a POST that a browser marks as coming from another
site (Sec-Fetch-Site, or an Origin header naming another origin) is refused. A forged cross-site form
knows neither, and the verification cookie is SameSite=Strict, so a cross-site POST never carries it
either. A POST answers 303 on success: reloading shows the result and never claims twice.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rewardkit import web
from rewardkit.auth import service as auth
from rewardkit.jobs.worker import Worker
from rewardkit.kit.errors import Problem
from rewardkit.links import claims as claiming
from rewardkit.links import verification as verify
from rewardkit.links.errors import (
    RewardLinkCanceled,
    RewardLinkClaimed,
    RewardLinkExpired,
    RewardLinkNotFound,
    TooManyTokenFailures,
    VerificationCodeInvalid,
    VerificationRequired,
)
from rewardkit.links.schemas import RedeemRequest
from rewardkit.links.throttle import token_lookup
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.suppliers.registry import Registry

router = APIRouter(include_in_schema=False)

SEARCH_OVER = 8  # more choices than this: a search box
MAX_FORM_BYTES = 4096
COOKIE_PREFIX = "rk_lv_"


def frame_of(branding: auth.Branding | None) -> web.Frame:
    if branding is None:
        return web.Frame()
    return web.Frame(
        name=branding.name,
        logo_url=branding.logo_url,
        logo_origin=branding.logo_origin,
        accent=branding.accent,
        accent_text=branding.accent_text,
        support_email=branding.support_email,
    )


def _csrf(ctx: Runtime, token: str) -> str:
    return ctx.keyring.hash(f"link-page-form:{token}")


def _csrf_ok(ctx: Runtime, token: str, given: str) -> bool:
    return any(hmac.compare_digest(h, given) for h in ctx.keyring.hashes(f"link-page-form:{token}"))


def _cookie_name(token: str) -> str:
    # One cookie per link (several links may be open in one browser); its name shows nothing of the token.
    return COOKIE_PREFIX + hashlib.sha256(f"rewardkit-link-cookie:{token}".encode()).hexdigest()[:16]


def _verification(request: Request, token: str) -> str | None:
    return request.cookies.get(_cookie_name(token))


def _html(name: str, frame: web.Frame | None, status: int = 200, **context: Any) -> HTMLResponse:
    html, headers = web.page(name, frame, **context)
    headers["X-Frame-Options"] = "DENY"
    return HTMLResponse(html, status_code=status, headers=headers)


def _missing(status: int = 404, retry_after: int | None = None) -> HTMLResponse:
    response = _html("voucher_missing.html", None, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _blocked(exc: TooManyTokenFailures) -> HTMLResponse:
    return _html("links_closed.html", None, 429, heading="Too many attempts", detail=exc.detail)


def _see(url: str) -> RedirectResponse:
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return RedirectResponse(url, status_code=303, headers=headers)


def _base(token: str) -> str:
    return f"/l/{quote(token, safe='')}"


def _closed(frame: web.Frame, problem: Problem, status: int | None = None) -> HTMLResponse:
    heading = {
        "reward_link_expired": "This reward has expired",
        "reward_link_canceled": "This reward was canceled",
        "reward_link_claimed": "This reward was already claimed",
    }.get(problem.code, "This reward is no longer available")
    return _html("links_closed.html", frame, status or problem.status, heading=heading, detail=problem.detail)


def _display(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "value": view["value"]["value"],
        "remaining": view["remaining"]["value"],
        "currency": view["currency"],
        "message": view["message"],
        "sender_name": view["sender_name"],
        "expires_at": view["expires_at"][:10],
        "split": view["allow_split"],
        "partly": view["remaining"]["minor_units"] != view["value"]["minor_units"],
        "test_mode": not view["livemode"],
    }


def _matches(product: dict[str, Any], q: str) -> bool:
    words = q.lower().split()
    text = f"{product['name']} {product['brand']} {product.get('category', '')}".lower()
    return all(w in text for w in words)


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the page's forms), first value of each field."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return {}
    try:
        parsed = parse_qs(raw.decode(), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in parsed.items() if v}


def _same_origin(ctx: Runtime, request: Request) -> bool:
    """A browser's Sec-Fetch-Site must say same-origin (or none: typed, bookmarked); an Origin header
    must name this site. Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for the
    page's own forms, so null (like no header at all: curl, an old browser) proves nothing either way:
    the csrf field still has to be right."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    got = urlsplit(origin)
    mine = {urlsplit(ctx.settings.public_url).netloc, request.headers.get("host", "")}
    return got.netloc in mine


async def _guarded_form(ctx: Runtime, request: Request, token: str) -> dict[str, str] | None:
    form = await _form(request)
    if not _same_origin(ctx, request) or not _csrf_ok(ctx, token, form.get("csrf", "")):
        return None
    return form


def _forbidden() -> HTMLResponse:
    return _html(
        "links_closed.html",
        None,
        403,
        heading="This form has expired",
        detail="Open the reward link again and try once more.",
    )


async def _claim_page(
    ctx: Runtime,
    request: Request,
    token: str,
    *,
    q: str = "",
    claimed: str | None = None,
    sent: bool = False,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        async with token_lookup(request):
            got = await claiming.claim_page(ctx, token, _verification(request, token))
    except TooManyTokenFailures as exc:
        return _blocked(exc)
    except RewardLinkNotFound:
        return _missing()
    frame = frame_of(got.branding)
    voucher = None
    if claimed and got.verified:
        voucher = await claiming.claimed_order(ctx, got.link, claimed)
    view = got.view
    if got.closed is not None:
        return _closed(frame, got.closed)
    if view["status"] == "claimed" and voucher is None:
        return _closed(frame, RewardLinkClaimed("Everything this link held has been claimed."), 200)
    choices = view["choices"]
    shown = [p for p in choices if _matches(p, q)] if q else choices
    return _html(
        "links_claim.html",
        frame,
        status,
        base=_base(token),
        csrf=_csrf(ctx, token),
        link=_display(view),
        open=view["status"] != "claimed",
        verify=view["verification_required"],
        sent=sent,
        choices=shown,
        total=len(choices),
        search=len(choices) > SEARCH_OVER,
        q=q,
        voucher=_voucher(voucher),
        error=error,
    )


def _voucher(order: dict[str, Any] | None) -> dict[str, Any] | None:
    if order is None:
        return None
    v = order.get("voucher") or {}
    return {
        "status": order["status"],
        "product_id": order["product_id"],
        "amount": order["face_value"]["value"],
        "currency": order["currency"],
        "code": v.get("code"),
        "pin": v.get("pin"),
        "expires_at": (v.get("expires_at") or "")[:10] or None,
        "url": order["voucher_url"],
    }


@router.get("/l/{token}", response_class=HTMLResponse)
async def claim_page(
    request: Request,
    token: str,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    q: Annotated[str, Query(max_length=100)] = "",
    claimed: Annotated[str | None, Query(max_length=40)] = None,
    sent: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    return await _claim_page(ctx, request, token, q=q.strip(), claimed=claimed, sent=sent == "1")


def _allowed(product: dict[str, Any], amount: str) -> str | None:
    """The denomination as the product writes it, if the choice allows it (what the page offers: the
    claim itself is checked by redeem)."""
    try:
        wanted = Decimal(amount)
    except InvalidOperation:
        return None
    if not wanted.is_finite():
        return None
    d = product["denominations"]
    if d["type"] == "fixed":
        return next((v for v in d["values"] if Decimal(v) == wanted), None)
    low, high, step = Decimal(d["min"]), Decimal(d["max"]), Decimal(d["step"]) or Decimal("0.01")
    if low <= wanted <= high and (wanted - low) % step == 0:
        return str(wanted.quantize(Decimal(d["min"])))
    return None


@router.get("/l/{token}/confirm", response_class=HTMLResponse)
async def confirm_page(
    request: Request,
    token: str,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    product: Annotated[str, Query(max_length=80)] = "",
    denomination: Annotated[str, Query(max_length=24)] = "",
) -> Response:
    """The confirmation step: what will be claimed, and one button. Nothing is written here."""
    try:
        async with token_lookup(request):
            got = await claiming.claim_page(ctx, token, _verification(request, token))
    except TooManyTokenFailures as exc:
        return _blocked(exc)
    except RewardLinkNotFound:
        return _missing()
    frame = frame_of(got.branding)
    if got.closed is not None:
        return _closed(frame, got.closed)
    if got.view["status"] == "claimed":
        return _closed(frame, RewardLinkClaimed("Everything this link held has been claimed."), 200)
    if not got.verified:
        return _see(_base(token))
    chosen = next((p for p in got.view["choices"] if p["id"] == product), None)
    amount = _allowed(chosen, denomination.strip()) if chosen else None
    if chosen is None or amount is None:
        why = "Choose one of the rewards below." if chosen is None else "Choose an amount this reward allows."
        return await _claim_page(ctx, request, token, error=why, status=422)
    return _html(
        "links_confirm.html",
        frame,
        base=_base(token),
        csrf=_csrf(ctx, token),
        link=_display(got.view),
        product=chosen,
        amount=amount,
    )


def _runner(request: Request) -> Worker | None:
    rt: Runtime = request.app.state.runtime
    return rt.worker


@router.post("/l/{token}/claim", response_class=HTMLResponse)
async def claim(request: Request, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    form = await _guarded_form(ctx, request, token)
    if form is None:
        return _forbidden()
    try:
        req = RedeemRequest.model_validate(
            {
                "product_id": form.get("product", ""),
                "denomination": form.get("denomination", ""),
                "currency": form.get("currency", ""),
            }
        )
    except ValueError:
        return await _claim_page(ctx, request, token, error="Choose one of the rewards below.", status=422)
    try:
        async with token_lookup(request):
            done = await claiming.redeem(
                ctx, ctx.part(Registry), _runner(request), token, req, _verification(request, token)
            )
    except TooManyTokenFailures as exc:
        return _blocked(exc)
    except RewardLinkNotFound:
        return _missing()
    except VerificationRequired:
        return _see(_base(token))
    except (RewardLinkClaimed, RewardLinkExpired, RewardLinkCanceled) as exc:
        # The other tab (or the sender, or the clock) was first: say so, offer nothing.
        got = await claiming.claim_page(ctx, token)
        return _closed(frame_of(got.branding), exc)
    except Problem as exc:  # amount_not_allowed, product_not_in_choice, product_unavailable, ...
        return await _claim_page(ctx, request, token, error=exc.detail, status=exc.status)
    return _see(f"{_base(token)}?claimed={quote(done['order']['id'], safe='')}")


@router.post("/l/{token}/verification", response_class=HTMLResponse)
async def send_code(request: Request, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    if await _guarded_form(ctx, request, token) is None:
        return _forbidden()
    try:
        async with token_lookup(request):
            await claiming.send_verification(ctx, token)
    except TooManyTokenFailures as exc:
        return _blocked(exc)
    except RewardLinkNotFound:
        return _missing()
    except Problem as exc:  # throttled, closed, claimed, not enabled
        return await _claim_page(ctx, request, token, sent=exc.code == "verification_throttled", error=exc.detail,
                                 status=exc.status)  # fmt: skip
    return _see(f"{_base(token)}?sent=1")


@router.post("/l/{token}/verification/check", response_class=HTMLResponse)
async def check_code(request: Request, token: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    form = await _guarded_form(ctx, request, token)
    if form is None:
        return _forbidden()
    code = "".join(form.get("code", "").split())
    if not (len(code) == 6 and code.isdigit()):
        return await _claim_page(ctx, request, token, sent=True, error="The code is the 6 digits in the email.",
                                 status=422)  # fmt: skip
    try:
        async with token_lookup(request):
            grant = await claiming.check_verification(ctx, token, code)
    except TooManyTokenFailures as exc:
        return _blocked(exc)
    except RewardLinkNotFound:
        return _missing()
    except VerificationCodeInvalid as exc:
        return await _claim_page(ctx, request, token, sent=True, error=exc.detail, status=exc.status)
    except Problem as exc:  # locked, expired, closed
        return await _claim_page(ctx, request, token, error=exc.detail, status=exc.status)
    response = _see(_base(token))
    response.set_cookie(
        _cookie_name(token),
        grant["verification_token"],
        max_age=int(verify.GRANT_LIFETIME.total_seconds()),
        path="/l/",
        httponly=True,
        samesite="strict",
        secure=ctx.settings.public_url.startswith("https://"),
    )
    return response
