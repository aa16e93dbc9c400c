"""Routes of reward links (API keys) and of the headless claim API (the link's token is the credential)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from starlette.convertors import StringConvertor, register_url_convertor

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.jobs.worker import Worker
from rewardkit.kit import idempotency, versioning
from rewardkit.kit.errors import MalformedJSON
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.params import DateTimeParam, utc
from rewardkit.kit.responses import HEADERS, JSONResponse, respond
from rewardkit.links import batch, delivery, service
from rewardkit.links import claims as claiming
from rewardkit.links.models import STATUSES
from rewardkit.links.schemas import (
    EmailBounceCreate,
    EmailBounceOut,
    LinkClaimOut,
    LinkDeliveryList,
    LinkDeliveryOut,
    LinkVerificationGrant,
    LinkVerificationOut,
    RedeemRequest,
    RedemptionOut,
    ResendRequest,
    RewardLinkBatchCreate,
    RewardLinkBatchOut,
    RewardLinkCreate,
    RewardLinkList,
    RewardLinkOut,
    VerificationCheck,
)
from rewardkit.links.throttle import token_lookup
from rewardkit.orders.state import IdempotencyIntent
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.suppliers.registry import Registry


class _LinkId(StringConvertor):
    """A path segment that is a link id, never `batch`: GET /v1/reward_links/batch is no link to look up
    (the 405 for it then lists only POST, the batch's one method)."""

    regex = "(?!batch$)[^/]+"


register_url_convertor("link_id", _LinkId())

router = APIRouter(prefix="/v1", tags=["Reward links"], route_class=StrictJSONRoute)
claims = APIRouter(prefix="/v1", tags=["Link claims"], route_class=StrictJSONRoute)

_REPLAYED = {"Idempotent-Replayed": HEADERS["Idempotent-Replayed"]}
_CREATE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The link, its value reserved", "model": RewardLinkOut, "headers": _REPLAYED},
    400: {"description": "idempotency_key_invalid"},
    402: {"description": "insufficient_funds"},
    409: {"description": "idempotency_key_in_flight"},
    422: {
        "description": "validation_error, value_not_allowed, choice_product_not_found, choice_brand_not_found, "
        "invalid_expiry, delivery_unavailable, delivery_recipient_missing, invalid_recipient_email, "
        "invalid_phone_number, sms_unavailable, idempotency_key_reused"
    },
}
# The claim API takes no API key: its security requirement is empty (the token in the path is the credential).
_NO_KEY: dict[str, Any] = {"security": []}
VerificationHeader = Annotated[
    str | None,
    Header(
        alias="Link-Verification",
        max_length=100,
        description='Links with verification "email_otp": the token of POST /v1/link_claims/{token}/verification/check',
    ),
]
Token = Annotated[str, Path(max_length=100, description="The token of the link's url ({PUBLIC_URL}/l/{token})")]


@router.post(
    "/reward_links",
    operation_id="createRewardLink",
    response_model=None,
    response_class=JSONResponse,
    responses=_CREATE,
)
async def create_reward_link(
    request: Request,
    body: RewardLinkCreate,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Retry safely: the same key and body replay the first response"),
    ] = None,
) -> JSONResponse:
    """Make a reward link: its value moves from the wallet to the link's reservation at once. Send the
    returned `url` to the recipient (`delivery: "none"`)."""
    intent = None
    if idempotency_key is not None:
        key = idempotency.validate_key(idempotency_key)
        try:
            raw = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise MalformedJSON("The body could not be read as UTF-8 JSON.") from None
        intent = IdempotencyIntent(key, idempotency.fingerprint("POST", "/v1/reward_links", raw))
    outcome = await service.create(ctx, ident, body, intent)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, "reward_link", outcome.status_code, headers=headers)


@router.get(
    "/reward_links",
    operation_id="listRewardLinks",
    response_class=JSONResponse,
    response_model=RewardLinkList,
    response_description="A page of reward links, newest first",
)
async def list_reward_links(
    request: Request,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    external_id: Annotated[str | None, Query(max_length=120)] = None,
    created_gte: Annotated[DateTimeParam | None, Query(description="ISO 8601, inclusive")] = None,
    created_lte: Annotated[DateTimeParam | None, Query(description="ISO 8601, inclusive")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Reward links of this key's org and mode, newest first."""
    body = await service.list_links(
        ctx,
        ident,
        status=status,
        external_id=external_id,
        created_gte=utc(created_gte, "created_gte"),
        created_lte=utc(created_lte, "created_lte"),
        cursor=cursor,
        limit=limit,
    )
    return respond(request, body, "list")


_BATCH: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One result per item, in request order: the link (its value reserved) or the item's problem",
        "model": RewardLinkBatchOut,
        "headers": _REPLAYED,
    },
    400: {"description": "idempotency_key_invalid"},
    409: {"description": "idempotency_key_in_flight"},
    422: {"description": "validation_error (the body: no items or more than 1,000), idempotency_key_reused"},
}


@router.post(
    "/reward_links/batch",
    operation_id="createRewardLinkBatch",
    response_model=None,
    response_class=JSONResponse,
    responses=_BATCH,
)
async def create_reward_link_batch(
    request: Request,
    body: RewardLinkBatchCreate,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="One key for the whole batch: the same key and body replay it"),
    ] = None,
) -> JSONResponse:
    """Make up to 1,000 links at once. Each item is made and reserved, or refused for its own reason
    (the problem POST /v1/reward_links would answer, e.g. `insufficient_funds` once the wallet runs
    out); failed items do not stop the others. The answer is 200 whenever the batch itself is valid,
    even if every item failed: read `created`, `failed` and each item's `status`."""
    intent = None
    if idempotency_key is not None:
        key = idempotency.validate_key(idempotency_key)
        try:
            raw = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise MalformedJSON("The body could not be read as UTF-8 JSON.") from None
        intent = IdempotencyIntent(key, idempotency.fingerprint("POST", "/v1/reward_links/batch", raw))
    outcome = await batch.create_batch(ctx, ident, body, intent)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    # Each link in the version asked for, as GET /v1/reward_links/{id} would show it.
    version = getattr(request.state, "api_version", versioning.LATEST)
    out = {
        **outcome.body,
        "data": [
            {**r, "link": versioning.downgrade(r["link"], "reward_link", version)} if r["link"] else r
            for r in outcome.body["data"]
        ],
    }
    return respond(request, out, "reward_link_batch", outcome.status_code, headers=headers)


@router.get(
    "/reward_links/{link_id:link_id}",
    operation_id="getRewardLink",
    response_class=JSONResponse,
    response_model=RewardLinkOut,
    response_description="The reward link",
    responses={404: {"description": "reward_link_not_found"}},
)
async def get_reward_link(
    request: Request,
    link_id: Annotated[str, Path(max_length=40)],
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    return respond(request, await service.get(ctx, ident, link_id), "reward_link")


@router.post(
    "/reward_links/{link_id}/cancel",
    operation_id="cancelRewardLink",
    response_class=JSONResponse,
    response_model=RewardLinkOut,
    response_description="The link, now `canceled`: what it still held is back in the wallet",
    responses={404: {"description": "reward_link_not_found"}, 409: {"description": "reward_link_not_cancelable"}},
)
async def cancel_reward_link(
    request: Request,
    link_id: Annotated[str, Path(max_length=40)],
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """Cancel a link that still holds money: its `remaining` goes back to the wallet in one ledger
    transaction. Claimed, expired and canceled links answer 409."""
    return respond(request, await service.cancel(ctx, ident, link_id), "reward_link")


# --- the headless claim API: no API key, the token in the path is the credential -------------------


def _runner(request: Request) -> Worker | None:
    rt: Runtime = request.app.state.runtime
    return rt.worker


@claims.get(
    "/link_claims/{token}",
    operation_id="getLinkClaim",
    openapi_extra=_NO_KEY,
    response_class=JSONResponse,
    response_model=LinkClaimOut,
    response_description="The link as its recipient may see it, with what may be claimed",
    responses={
        404: {"description": "reward_link_not_found"},
        410: {"description": "reward_link_expired, reward_link_canceled"},
        429: {"description": "too_many_token_failures"},
    },
)
async def get_link_claim(
    request: Request,
    token: Token,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    link_verification: VerificationHeader = None,
) -> JSONResponse:
    """For a claim page of your own: what the link holds and the products it may be claimed as. The
    first call marks the link `opened`. A link with `verification: "email_otp"` shows its choices only
    with a `Link-Verification` header (`verification_required` says so)."""
    async with token_lookup(request):
        view = await claiming.claim_view(ctx, token, link_verification)
    return respond(request, view, "link_claim")


@claims.post(
    "/link_claims/{token}/redeem",
    operation_id="redeemLinkClaim",
    openapi_extra=_NO_KEY,
    response_model=None,
    response_class=JSONResponse,
    responses={
        200: {"description": "The order with its voucher, and the link after the claim", "model": RedemptionOut},
        403: {"description": "verification_required"},
        404: {"description": "reward_link_not_found"},
        409: {"description": "reward_link_claimed"},
        410: {"description": "reward_link_expired, reward_link_canceled"},
        422: {
            "description": "validation_error, product_not_in_choice, amount_not_allowed, invalid_denomination, "
            "product_unavailable"
        },
        429: {"description": "too_many_token_failures"},
    },
)
async def redeem_link_claim(
    request: Request,
    token: Token,
    body: RedeemRequest,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    link_verification: VerificationHeader = None,
) -> JSONResponse:
    """Claim one of the link's choices: an order paid from the link's reservation, fulfilled at once
    where the supplier allows (its `voucher`), and the link's `remaining` after it."""
    async with token_lookup(request):
        result = await claiming.redeem(ctx, ctx.part(Registry), _runner(request), token, body, link_verification)
    return respond(request, result, "link_redemption")


# --- delivery: resend, the deliveries of a link, bounces (links/delivery.py) -------------------------

bounces = APIRouter(prefix="/v1", tags=["Email"], route_class=StrictJSONRoute)


@router.post(
    "/reward_links/{link_id}/resend",
    operation_id="resendRewardLink",
    response_class=JSONResponse,
    response_model=LinkDeliveryOut,
    response_description="The new delivery, `queued`: follow it in GET /v1/reward_links/{id}/deliveries",
    responses={
        404: {"description": "reward_link_not_found"},
        409: {"description": "reward_link_closed"},
        422: {
            "description": "validation_error, delivery_recipient_missing, invalid_recipient_email, "
            "invalid_phone_number, sms_unavailable"
        },
        429: {"description": "resend_rate_limited"},
    },
)
async def resend_reward_link(
    request: Request,
    link_id: Annotated[str, Path(max_length=40)],
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    body: Annotated[ResendRequest | None, Body()] = None,
) -> JSONResponse:
    """Send the link's message again, on its channel (or `channel`), to its recipient (or `to`, this
    once). At most REWARDKIT_LINK_RESEND_LIMIT (default 3 an hour) per link: 429 with Retry-After past it."""
    return respond(request, await delivery.resend(ctx, ident, link_id, body), "link_delivery")


@router.get(
    "/reward_links/{link_id}/deliveries",
    operation_id="listRewardLinkDeliveries",
    response_class=JSONResponse,
    response_model=LinkDeliveryList,
    response_description="The messages sent for the link, newest first; destinations redacted",
    responses={404: {"description": "reward_link_not_found"}},
)
async def list_reward_link_deliveries(
    request: Request,
    link_id: Annotated[str, Path(max_length=40)],
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Every email and text message sent for the link (its first delivery, reminders, resends), each
    with its status and attempts. Never the voucher code, never the link's token."""
    return respond(request, await delivery.list_deliveries(ctx, ident, link_id, cursor, limit), "list")


@bounces.post(
    "/email_bounces",
    operation_id="reportEmailBounce",
    response_class=JSONResponse,
    response_model=EmailBounceOut,
    response_description="The delivery the bounce was recorded on",
    responses={
        404: {"description": "email_delivery_not_found"},
        422: {"description": "validation_error, invalid_recipient_email"},
    },
)
async def report_email_bounce(
    request: Request,
    body: EmailBounceCreate,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """Report a bounce your mail provider told you about, by the email's Message-ID (on every link
    email) or its recipient. `hard`: the delivery becomes `bounced` and `reward_link.delivery_failed` is
    sent (once); `soft`: noted on the delivery (error_code `email_soft_bounce`), nothing else."""
    return respond(request, await delivery.report_bounce(ctx, ident, body), "email_bounce")


# --- #13 email verification: links made with verification "email_otp" -----------------------------


@claims.post(
    "/link_claims/{token}/verification",
    operation_id="sendLinkVerification",
    openapi_extra=_NO_KEY,
    response_class=JSONResponse,
    response_model=LinkVerificationOut,
    response_description="A new 6-digit code is on its way to the recipient's email",
    responses={
        404: {"description": "reward_link_not_found"},
        409: {"description": "reward_link_claimed, verification_not_enabled"},
        410: {"description": "reward_link_expired, reward_link_canceled"},
        429: {"description": "verification_throttled, too_many_token_failures"},
    },
)
async def send_link_verification(
    request: Request, token: Token, ctx: Annotated[Runtime, Depends(get_runtime)]
) -> JSONResponse:
    """Email a one-time code to the link's recipient (valid 10 minutes; any earlier code is dead). One
    code per `link_otp_resend_seconds` (60) and `link_otp_per_hour` (5) per link: 429 with Retry-After."""
    async with token_lookup(request):
        body = await claiming.send_verification(ctx, token)
    return respond(request, body, "link_verification")


@claims.post(
    "/link_claims/{token}/verification/check",
    operation_id="checkLinkVerification",
    openapi_extra=_NO_KEY,
    response_class=JSONResponse,
    response_model=LinkVerificationGrant,
    response_description="The code was right: a verification token for the Link-Verification header",
    responses={
        404: {"description": "reward_link_not_found"},
        409: {"description": "reward_link_claimed, verification_not_enabled"},
        410: {"description": "reward_link_expired, reward_link_canceled"},
        422: {"description": "validation_error, verification_code_invalid, verification_code_expired"},
        423: {"description": "verification_locked"},
        429: {"description": "too_many_token_failures"},
    },
)
async def check_link_verification(
    request: Request, token: Token, body: VerificationCheck, ctx: Annotated[Runtime, Depends(get_runtime)]
) -> JSONResponse:
    """Check the emailed code. Right: a verification token valid 30 minutes (the code is spent). Wrong:
    422 `verification_code_invalid` with `attempts_left`; the fifth wrong code kills it (423
    `verification_locked`): ask for a new one."""
    async with token_lookup(request):
        grant = await claiming.check_verification(ctx, token, body.code)
    return respond(request, grant, "link_verification_grant")
