"""Routes of supplier reconciliation (API keys). The upload's body is the statement itself, as
`text/csv` (Module.body_media_types lets RequestGuard take it on this one path)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit import idempotency
from rewardkit.kit.errors import MalformedJSON
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.money import MAX_MINOR
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import HEADERS, JSONResponse, respond
from rewardkit.orders.state import IdempotencyIntent
from rewardkit.reconciliation import service
from rewardkit.reconciliation.schemas import (
    LineList,
    LineOut,
    ReconciliationList,
    ReconciliationOut,
    ResolveCreate,
    Status,
)
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1", tags=["Reconciliation"], route_class=StrictJSONRoute)

CSV = "text/csv"
MAX_STATEMENT_BYTES = 20 * 1024 * 1024  # module.py declares it as this path's body limit

Ident = Annotated[Principal, Depends(require_api_key)]
Ctx = Annotated[Runtime, Depends(get_runtime)]
RcnId = Annotated[str, Path(max_length=40, description="The reconciliation's id (rcn_…)")]
LineId = Annotated[str, Path(max_length=40, description="The line's id (rcl_…)")]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry safely: the same key and body replay the first response"),
]
_EXAMPLE_CSV = "supplier_ref,face_value,currency,fulfilled_at\nsbx_1f0c3a9e5b7d2c4a,50.00,USD,2026-11-30\n"
_REPLAYED = {"Idempotent-Replayed": HEADERS["Idempotent-Replayed"]}
_RCN_404: dict[int | str, dict[str, Any]] = {404: {"description": "reconciliation_not_found"}}


def _answer(request: Request, outcome: service.Outcome, resource: str) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, resource, outcome.status_code, headers=headers)


@router.post(
    "/reconciliations",
    operation_id="createReconciliation",
    response_class=JSONResponse,
    response_model=None,
    responses={
        200: {
            "description": "The reconciliation with its counts per status",
            "model": ReconciliationOut,
            "headers": _REPLAYED,
        },
        400: {"description": "idempotency_key_invalid"},
        409: {"description": "idempotency_key_in_flight"},
        413: {"description": "payload_too_large (statements are limited to 20 MB)"},
        415: {"description": "unsupported_media_type (send the statement as text/csv)"},
        422: {
            "description": "validation_error, statement_encoding, statement_invalid, reconciliation_supplier_unknown, "
            "reconciliation_mapping_unknown, idempotency_key_reused"
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The supplier's statement as CSV (UTF-8), with the columns of its mapping",
            "content": {
                CSV: {
                    "schema": {"type": "string", "maxLength": MAX_STATEMENT_BYTES},
                    "example": _EXAMPLE_CSV,
                }
            },
        }
    },
)
async def create_reconciliation(
    request: Request,
    ident: Ident,
    ctx: Ctx,
    supplier: Annotated[str, Query(min_length=1, max_length=40, description="The supplier whose statement this is")],
    mapping: Annotated[
        str | None,
        Query(min_length=1, max_length=40, description="The statement's column mapping; default: the supplier's"),
    ] = None,
    period_start: Annotated[
        date | None, Query(description="First day the statement covers; default: its first line's")
    ] = None,
    period_end: Annotated[date | None, Query(description="Last day it covers; default: its last line's")] = None,
    date_tolerance_days: Annotated[
        int | None, Query(ge=0, le=60, description="Days a line's date may differ from our order's (default 3)")
    ] = None,
    amount_tolerance_minor: Annotated[
        int, Query(ge=0, le=MAX_MINOR, description="Minor units a line's amount may differ from our order's")
    ] = 0,
    file_name: Annotated[
        str | None, Query(min_length=1, max_length=200, description="The file's name, kept with it")
    ] = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Match a supplier's statement line by line against our orders of that supplier: each line is
    `matched`, `missing_here` (no order of ours), `amount_mismatch` (amount, currency, date or our status
    differ) and each of our fulfilled orders of the period it does not list is `missing_there`
    (docs/reconciliation.md). A statement that cannot be read is a 422 and records nothing."""
    data = await request.body()
    up = service.Upload(
        supplier=supplier,
        data=data,
        mapping=mapping,
        file_name=file_name,
        period_start=period_start,
        period_end=period_end,
        date_tolerance_days=date_tolerance_days,
        amount_tolerance_minor=amount_tolerance_minor,
    )
    intent = None
    if idempotency_key is not None:
        # The statement is fingerprinted by its digest, with the query that says how to read it.
        query = sorted(request.query_params.multi_items())
        fp = idempotency.fingerprint("POST", request.url.path, [query, hashlib.sha256(data).hexdigest()])
        intent = IdempotencyIntent(idempotency.validate_key(idempotency_key), fp)
    return _answer(request, await service.create(ctx, ident, up, intent), "reconciliation")


@router.get(
    "/reconciliations",
    operation_id="listReconciliations",
    response_class=JSONResponse,
    response_model=ReconciliationList,
    response_description="A page of reconciliations, newest first",
)
async def list_reconciliations(
    request: Request, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await service.list_reconciliations(ctx, ident, cursor, limit), "list")


@router.get(
    "/reconciliations/{reconciliation_id}",
    operation_id="getReconciliation",
    response_class=JSONResponse,
    response_model=ReconciliationOut,
    response_description="The reconciliation with its counts per status",
    responses=_RCN_404,
)
async def get_reconciliation(request: Request, reconciliation_id: RcnId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get(ctx, ident, reconciliation_id), "reconciliation")


@router.get(
    "/reconciliations/{reconciliation_id}/lines",
    operation_id="listReconciliationLines",
    response_class=JSONResponse,
    response_model=LineList,
    response_description="A page of the reconciliation's lines in statement order (ours missing there last)",
    responses=_RCN_404,
)
async def list_reconciliation_lines(
    request: Request,
    reconciliation_id: RcnId,
    ident: Ident,
    ctx: Ctx,
    status: Annotated[Status | None, Query(description="Only the lines of this status")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Each line with both sides: `theirs` (the statement's line) and `ours` (our order), and its
    resolution once resolved."""
    body = await service.list_lines(ctx, ident, reconciliation_id, status, cursor, limit)
    return respond(request, body, "list")


async def _json_intent(request: Request, key: str | None) -> IdempotencyIntent | None:
    if key is None:
        return None
    valid = idempotency.validate_key(key)
    try:
        raw = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise MalformedJSON("The body could not be read as UTF-8 JSON.") from None
    return IdempotencyIntent(valid, idempotency.fingerprint("POST", request.url.path, raw))


@router.post(
    "/reconciliations/{reconciliation_id}/lines/{line_id}/resolve",
    operation_id="resolveReconciliationLine",
    response_class=JSONResponse,
    response_model=None,
    responses={
        200: {"description": "The line with its resolution", "model": LineOut, "headers": _REPLAYED},
        400: {"description": "idempotency_key_invalid"},
        402: {"description": "insufficient_funds (an adjust debit the wallet cannot cover; nothing is written)"},
        404: {"description": "reconciliation_not_found, reconciliation_line_not_found"},
        409: {
            "description": "reconciliation_line_resolved, reconciliation_line_not_resolvable, idempotency_key_in_flight"
        },
        422: {"description": "validation_error, idempotency_key_reused"},
    },
)
async def resolve_reconciliation_line(
    request: Request,
    reconciliation_id: RcnId,
    line_id: LineId,
    body: ResolveCreate,
    ident: Ident,
    ctx: Ctx,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Resolve a line that did not match, once, with a note: `adjust` books the difference as a ledger
    transaction of kind `adjustment` (docs/ledger.md#adjustments), `accept` and `write_off` move nothing.
    The resolution is kept as an audit row; a second resolve is 409 `reconciliation_line_resolved`."""
    intent = await _json_intent(request, idempotency_key)
    outcome = await service.resolve(ctx, ident, reconciliation_id, line_id, body, intent)
    return _answer(request, outcome, "reconciliation_line")
