"""Routes of reward links (API keys) and of the headless claim API (the link's token is the credential)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.jobs.worker import Worker
from rewardkit.kit import idempotency
from rewardkit.kit.errors import MalformedJSON
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.params import DateTimeParam, utc
from rewardkit.kit.responses import HEADERS, JSONResponse, respond
from rewardkit.links import service
from rewardkit.links.models import STATUSES
from rewardkit.links.schemas import (
    LinkClaimOut,
    LinkVerificationGrant,
    LinkVerificationOut,
    RedeemRequest,
    RedemptionOut,
    RewardLinkCreate,
    RewardLinkList,
    RewardLinkOut,
    VerificationCheck,
)
from rewardkit.links.throttle import token_lookup
from rewardkit.orders.state import IdempotencyIntent
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.suppliers.registry import Registry

router = APIRouter(prefix="/v1", tags=["Reward links"], route_class=StrictJSONRoute)
claims = APIRouter(prefix="/v1", tags=["Link claims"], route_class=StrictJSONRoute)

_REPLAYED = {"Idempotent-Replayed": HEADERS["Idempotent-Replayed"]}
_CREATE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The link, its value reserved", "model": RewardLinkOut, "headers": _REPLAYED},
    400: {"description": "idempotency_key_invalid"},
    402: {"description": "insufficient_funds"},
    409: {"description": "idempotency_key_in_flight"},
    422: {
        "description": "validation_error, value_not_allowed, choice_product_not_found, invalid_expiry, "
        "delivery_unavailable, idempotency_key_reused"
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


@router.get(
    "/reward_links/{link_id}",
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
        view = await service.claim_view(ctx, token, link_verification)
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
        result = await service.redeem(ctx, ctx.part(Registry), _runner(request), token, body, link_verification)
    return respond(request, result, "link_redemption")


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
        body = await service.send_verification(ctx, token)
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
        grant = await service.check_verification(ctx, token, body.code)
    return respond(request, grant, "link_verification_grant")
