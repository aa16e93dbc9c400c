"""Routes of reward points (API keys)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request

from rewardkit.jobs.worker import Worker
from rewardkit.kit import idempotency
from rewardkit.kit.errors import MalformedJSON
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.orders.state import IdempotencyIntent
from rewardkit.points import batch, redemptions, service
from rewardkit.points.routing import MEMBER_404, PROGRAM_404, REPLAYED, Ctx, IdemKey, Ident, MemberId, ProgramId, TxId
from rewardkit.points.schemas import (
    CreditBatchCreate,
    CreditBatchOut,
    CreditCreate,
    DebitCreate,
    MemberList,
    MemberOut,
    MemberPut,
    ProgramCreate,
    ProgramList,
    ProgramOut,
    ProgramUpdate,
    RedemptionCreate,
    RedemptionOut,
    TransactionList,
    TransactionOut,
)
from rewardkit.runtime import Runtime
from rewardkit.suppliers.registry import Registry

router = APIRouter(prefix="/v1", tags=["Reward points"], route_class=StrictJSONRoute)

def _movement(extra_422: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "The points transaction", "model": TransactionOut, "headers": REPLAYED},
        400: {"description": "idempotency_key_invalid"},
        402: {"description": "insufficient_funds (prefunded: the wallet does not cover the points' value)"},
        404: {"description": "points_program_not_found, points_member_not_found"},
        409: {"description": "reference_reused, idempotency_key_in_flight"},
        422: {"description": f"validation_error, idempotency_key_reused{extra_422}"},
    }


async def _intent(request: Request, key: str | None) -> IdempotencyIntent | None:
    if key is None:
        return None
    valid = idempotency.validate_key(key)
    try:
        raw = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise MalformedJSON("The body could not be read as UTF-8 JSON.") from None
    return IdempotencyIntent(valid, idempotency.fingerprint("POST", request.url.path, raw))


def _answer(request: Request, outcome: service.Outcome) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, "points_transaction", outcome.status_code, headers=headers)


# --- programs ----------------------------------------------------------------------------------


@router.post(
    "/points_programs",
    operation_id="createPointsProgram",
    response_class=JSONResponse,
    response_model=ProgramOut,
    response_description="The program, with its ledger asset",
)
async def create_points_program(request: Request, body: ProgramCreate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Start a points program: its points are a ledger asset of their own (`asset`, precision 0)."""
    return respond(request, await service.create_program(ctx, ident, body), "points_program")


@router.get(
    "/points_programs",
    operation_id="listPointsPrograms",
    response_class=JSONResponse,
    response_model=ProgramList,
    response_description="A page of points programs, newest first",
)
async def list_points_programs(
    request: Request, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await service.list_programs(ctx, ident, cursor, limit), "list")


@router.get(
    "/points_programs/{program_id}",
    operation_id="getPointsProgram",
    response_class=JSONResponse,
    response_model=ProgramOut,
    response_description="The points program",
    responses=PROGRAM_404,
)
async def get_points_program(request: Request, program_id: ProgramId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get_program(ctx, ident, program_id), "points_program")


@router.patch(
    "/points_programs/{program_id}",
    operation_id="updatePointsProgram",
    response_class=JSONResponse,
    response_model=ProgramOut,
    response_description="The program as updated",
    responses={**PROGRAM_404, 409: {"description": "program_locked"}},
)
async def update_points_program(
    request: Request, program_id: ProgramId, body: ProgramUpdate, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Change a program. `name`, `expiry`, `pending_days`, `allow_negative` and `expiring_notice_days`
    may change at any time (a new expiry or pending_days applies to later credits); `currency`,
    `points_per_unit` and `funding` only until the first credit (409 `program_locked`)."""
    return respond(request, await service.update_program(ctx, ident, program_id, body), "points_program")


# --- members -----------------------------------------------------------------------------------


@router.put(
    "/points_programs/{program_id}/members/{member_id}",
    operation_id="putPointsMember",
    response_class=JSONResponse,
    response_model=MemberOut,
    response_description="The member, created or updated",
    responses=PROGRAM_404,
)
async def put_points_member(
    request: Request, program_id: ProgramId, member_id: MemberId, body: MemberPut, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Create the member under your own user id, or replace its details (email, name, country,
    metadata; balances are untouched)."""
    member, _ = await service.put_member(ctx, ident, program_id, member_id, body)
    return respond(request, member, "points_member")


@router.get(
    "/points_programs/{program_id}/members",
    operation_id="listPointsMembers",
    response_class=JSONResponse,
    response_model=MemberList,
    response_description="A page of the program's members, newest first",
    responses=PROGRAM_404,
)
async def list_points_members(
    request: Request, program_id: ProgramId, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    """The program's members with their balances, newest first."""
    return respond(request, await service.list_members(ctx, ident, program_id, cursor, limit), "list")


@router.get(
    "/points_programs/{program_id}/members/{member_id}",
    operation_id="getPointsMember",
    response_class=JSONResponse,
    response_model=MemberOut,
    response_description="The member with its balance and expiring lots",
    responses=MEMBER_404,
)
async def get_points_member(
    request: Request, program_id: ProgramId, member_id: MemberId, ident: Ident, ctx: Ctx
) -> JSONResponse:
    return respond(request, await service.get_member(ctx, ident, program_id, member_id), "points_member")


@router.post(
    "/points_programs/{program_id}/members/{member_id}/credits",
    operation_id="createPointsCredit",
    response_model=None,
    response_class=JSONResponse,
    responses=_movement(""),
)
async def create_points_credit(
    request: Request,
    program_id: ProgramId,
    member_id: MemberId,
    body: CreditCreate,
    ident: Ident,
    ctx: Ctx,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Credit points to the member: a new lot, pending for the program's `pending_days`, expiring by the
    program's rule or at `expires_at`. The same `reference` with the same body replays the first credit."""
    outcome = await service.credit(ctx, ident, program_id, member_id, body, await _intent(request, idempotency_key))
    return _answer(request, outcome)


@router.post(
    "/points_programs/{program_id}/members/{member_id}/debits",
    operation_id="createPointsDebit",
    response_model=None,
    response_class=JSONResponse,
    responses=_movement(", insufficient_points"),
)
async def create_points_debit(
    request: Request,
    program_id: ProgramId,
    member_id: MemberId,
    body: DebitCreate,
    ident: Ident,
    ctx: Ctx,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Take points from the member's available balance, soonest-expiring lots first. More than the
    member has is 422 `insufficient_points`, and nothing is written."""
    outcome = await service.debit(ctx, ident, program_id, member_id, body, await _intent(request, idempotency_key))
    return _answer(request, outcome)


@router.get(
    "/points_programs/{program_id}/members/{member_id}/transactions",
    operation_id="listPointsTransactions",
    response_class=JSONResponse,
    response_model=TransactionList,
    response_description="The member's points transactions, newest first, each with its balance_after",
    responses=MEMBER_404,
)
async def list_points_transactions(
    request: Request,
    program_id: ProgramId,
    member_id: MemberId,
    ident: Ident,
    ctx: Ctx,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    body = await service.list_transactions(ctx, ident, program_id, member_id, cursor, limit)
    return respond(request, body, "list")


# --- transactions ------------------------------------------------------------------------------

_TX_404: dict[int | str, dict[str, Any]] = {404: {"description": "points_transaction_not_found"}}


@router.get(
    "/points_transactions/{ptx_id}",
    operation_id="getPointsTransaction",
    response_class=JSONResponse,
    response_model=TransactionOut,
    response_description="The points transaction",
    responses=_TX_404,
)
async def get_points_transaction(request: Request, ptx_id: TxId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get_transaction(ctx, ident, ptx_id), "points_transaction")


@router.post(
    "/points_transactions/{ptx_id}/reverse",
    operation_id="reversePointsTransaction",
    response_class=JSONResponse,
    response_model=TransactionOut,
    response_description="The reversal: a new points transaction of type `reversal`",
    responses={
        **_TX_404,
        402: {"description": "insufficient_funds (prefunded: a reversed debit's value back into the backing)"},
        409: {
            "description": "points_already_spent, points_transaction_not_reversible, "
            "points_redemption_not_reversible (refund or cancel the redemption's order instead)"
        },
    },
)
async def reverse_points_transaction(request: Request, ptx_id: TxId, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Undo a credit or a debit, once, as a new transaction (docs/points.md#reversals)."""
    return respond(request, await service.reverse(ctx, ident, ptx_id), "points_transaction")


@router.post(
    "/points_transactions/{ptx_id}/release",
    operation_id="releasePointsCredit",
    response_class=JSONResponse,
    response_model=TransactionOut,
    response_description="The credit, now available",
    responses={**_TX_404, 409: {"description": "points_not_pending"}},
)
async def release_points_credit(request: Request, ptx_id: TxId, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Make a pending credit available now, before its pending_days are over."""
    return respond(request, await service.release(ctx, ident, ptx_id), "points_transaction")


# --- #14 redemptions and batch credits (redemptions.py, batch.py) -----------------------------------

_REDEEM: dict[int | str, dict[str, Any]] = {
    200: {"description": "The redemption, its order final (usually `fulfilled`)", "model": RedemptionOut},
    202: {"description": "Accepted: the supplier is still fulfilling the order", "model": RedemptionOut},
    400: {"description": "idempotency_key_invalid"},
    402: {"description": "insufficient_funds (the org's wallet does not cover the order)"},
    404: {"description": "points_program_not_found, points_member_not_found, product_not_found"},
    409: {"description": "idempotency_key_in_flight"},
    422: {
        "description": "validation_error, insufficient_points, points_not_whole, redemption_currency_mismatch, "
        "invalid_denomination, currency_not_supported, country_not_supported, product_unavailable, "
        "invalid_sandbox_value, idempotency_key_reused"
    },
}


def _runner(request: Request) -> Worker | None:
    rt: Runtime = request.app.state.runtime
    return rt.worker


@router.post(
    "/points_programs/{program_id}/members/{member_id}/redemptions",
    operation_id="createPointsRedemption",
    response_model=None,
    response_class=JSONResponse,
    responses=_REDEEM,
)
async def create_points_redemption(
    request: Request,
    program_id: ProgramId,
    member_id: MemberId,
    body: RedemptionCreate,
    ident: Ident,
    ctx: Ctx,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Spend the member's points on an order from the catalog, in one step: the points (denomination x
    points_per_unit, whole: no rounding) are debited from the lots soonest expiring first and the order
    is booked in the same transaction, paid by the org's wallet (`on_redemption`) or by the program's
    backing account (`prefunded`). If the order fails or is canceled, the points come back as a
    reversal of the debit (`returned`). 200 once the order is final, 202 while it is being fulfilled."""
    intent = await _intent(request, idempotency_key)
    outcome = await redemptions.redeem(
        ctx, ctx.part(Registry), _runner(request), ident, program_id, member_id, body, intent
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, "points_redemption", outcome.status_code, headers=headers)


_BATCH: dict[int | str, dict[str, Any]] = {
    200: {"description": "One result per item, in request order", "model": CreditBatchOut, "headers": REPLAYED},
    400: {"description": "idempotency_key_invalid"},
    404: {"description": "points_program_not_found"},
    409: {"description": "idempotency_key_in_flight"},
    422: {"description": "validation_error (the body: no items or more than 1,000), idempotency_key_reused"},
}


@router.post(
    "/points_programs/{program_id}/credits/batch",
    operation_id="createPointsCreditBatch",
    response_model=None,
    response_class=JSONResponse,
    responses=_BATCH,
)
async def create_points_credit_batch(
    request: Request,
    program_id: ProgramId,
    body: CreditBatchCreate,
    ident: Ident,
    ctx: Ctx,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="One key for the whole batch: the same key and body replay it"),
    ] = None,
) -> JSONResponse:
    """Credit up to 1,000 members at once (a campaign). Each item is credited or refused for its own
    reason (the problem its single credit would answer; an unknown member is refused, never created);
    failed items do not stop the others. 200 whenever the batch itself is valid, even if every item
    failed: read `credited`, `failed` and each item's `status`."""
    intent = await _intent(request, idempotency_key)
    outcome = await batch.credit_batch(ctx, ident, program_id, body, intent)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, "points_credit_batch", outcome.status_code, headers=headers)
