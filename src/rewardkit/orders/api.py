from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.jobs.worker import Worker
from rewardkit.kit import idempotency
from rewardkit.kit.errors import MalformedJSON
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.params import DateTimeParam, utc
from rewardkit.kit.responses import HEADERS, JSONResponse, respond
from rewardkit.orders import service
from rewardkit.orders.models import STATUSES
from rewardkit.orders.schemas import OrderCreate, OrderList, OrderOut
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.suppliers.registry import Registry

router = APIRouter(prefix="/v1", tags=["Orders"], route_class=StrictJSONRoute)

_REPLAYED = {"Idempotent-Replayed": HEADERS["Idempotent-Replayed"]}
# The order is rendered by orders/render.py as a plain dict (for speed), so OrderOut documents the
# body without FastAPI validating it (response_model=None).
_CREATE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The order, final (usually `fulfilled`)", "model": OrderOut, "headers": _REPLAYED},
    202: {"description": "Accepted: the supplier is still fulfilling it", "model": OrderOut, "headers": _REPLAYED},
    400: {"description": "idempotency_key_invalid"},
    402: {"description": "insufficient_funds"},
    404: {"description": "product_not_found"},
    409: {"description": "idempotency_key_in_flight"},
    422: {
        "description": "validation_error, invalid_denomination, currency_not_supported, country_not_supported, "
        "product_unavailable, fx_rate_unavailable, invalid_sandbox_value, idempotency_key_reused"
    },
}


def get_registry(request: Request) -> Registry:
    rt: Runtime = request.app.state.runtime
    return rt.part(Registry)


def get_runner(request: Request) -> Worker | None:
    rt: Runtime = request.app.state.runtime
    return rt.worker


@router.post(
    "/orders", operation_id="createOrder", response_model=None, response_class=JSONResponse, responses=_CREATE
)
async def create_order(
    request: Request,
    body: OrderCreate,
    ident: Annotated[Principal, Depends(require_api_key)],
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Retry safely: the same key and body replay the first response"),
    ] = None,
) -> JSONResponse:
    """Buy a reward. Debits the wallet and fulfils at once where the supplier allows, answering
    200 `fulfilled` with a `voucher_url`; a slower supplier answers 202 `processing`, and the order
    finishes in the background (track it with GET /v1/orders/{id})."""
    # From app.state rather than as dependencies: the hottest route skips three dependency resolutions.
    ctx: Runtime = request.app.state.runtime
    registry, runner = get_registry(request), get_runner(request)
    intent = None
    if idempotency_key is not None:
        key = idempotency.validate_key(idempotency_key)
        try:
            raw = orjson.loads(await request.body())
        except orjson.JSONDecodeError:  # FastAPI's parser is laxer (lone surrogates): refuse what we cannot hash
            raise MalformedJSON("The body could not be read as UTF-8 JSON.") from None
        intent = service.IdempotencyIntent(key, idempotency.fingerprint("POST", "/v1/orders", raw))
    outcome = await service.create(ctx, registry, runner, ident, body, intent)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return respond(request, outcome.body, "order", outcome.status_code, headers=headers)


@router.get(
    "/orders/{order_id}",
    operation_id="getOrder",
    response_model=None,
    response_class=JSONResponse,
    responses={200: {"description": "The order", "model": OrderOut}, 404: {"description": "order_not_found"}},
)
async def get_order(
    request: Request,
    order_id: str,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    return respond(request, await service.get(ctx, ident, order_id), "order")


@router.get(
    "/orders",
    operation_id="listOrders",
    response_model=None,
    response_class=JSONResponse,
    responses={200: {"description": "A page of orders, newest first", "model": OrderList}},
)
async def list_orders(
    request: Request,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    product_id: Annotated[str | None, Query(max_length=80)] = None,
    external_id: Annotated[str | None, Query(max_length=120)] = None,
    created_gte: Annotated[DateTimeParam | None, Query(description="ISO 8601, inclusive")] = None,
    created_lte: Annotated[DateTimeParam | None, Query(description="ISO 8601, inclusive")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """Orders of this key's org and mode, newest first."""
    body = await service.list_orders(
        ctx,
        ident,
        status=status,
        product_id=product_id,
        external_id=external_id,
        created_gte=utc(created_gte, "created_gte"),
        created_lte=utc(created_lte, "created_lte"),
        cursor=cursor,
        limit=limit,
    )
    return respond(request, body, "list")


@router.post(
    "/orders/{order_id}/cancel",
    operation_id="cancelOrder",
    response_model=None,
    response_class=JSONResponse,
    responses={
        200: {"description": "The order, now `canceled`", "model": OrderOut},
        404: {"description": "order_not_found"},
        409: {"description": "order_not_cancelable"},
    },
)
async def cancel_order(
    request: Request,
    order_id: str,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """Cancel an order that has not been sent to a supplier yet; its debit is refunded at once."""
    return respond(request, await service.cancel(ctx, ident, order_id), "order")
