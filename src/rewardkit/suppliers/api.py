"""Operator endpoints for the inventory supplier: upload codes, see stock.

They need an API key (any org, any mode) AND the operator token in `X-Operator-Token`
(settings.operator_token); with no operator token configured they answer 403 `operator_disabled`.
"""

from __future__ import annotations

import hmac
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import Field

from rewardkit.auth.api import require_api_key
from rewardkit.kit.errors import Problem
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, page_in_memory
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.kit.schemas import RequestModel
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.suppliers import inventory_service
from rewardkit.suppliers.adapters import http as _http  # noqa: F401  (registers the http supplier factory)
from rewardkit.suppliers.adapters import inventory as _inventory  # noqa: F401  (and the inventory one)
from rewardkit.suppliers.schemas import InventoryImportOut, StockList

MAX_CODES = 500  # about 100 bytes a code: stays under the 64 KiB body limit


class OperatorDisabled(Problem):
    """No operator token is configured (REWARDKIT_OPERATOR_TOKEN), so operator endpoints are off."""

    status, code, title = 403, "operator_disabled", "Operator endpoints are disabled"


class OperatorTokenInvalid(Problem):
    """The X-Operator-Token header is missing or does not match the configured operator token."""

    status, code, title = 403, "operator_token_invalid", "A valid X-Operator-Token is required"


async def require_operator(
    ctx: Annotated[Runtime, Depends(get_runtime)],
    x_operator_token: Annotated[str | None, Header(alias="X-Operator-Token")] = None,
) -> None:
    expected = getattr(ctx.settings, "operator_token", "") or ""
    if not expected:
        raise OperatorDisabled("Set REWARDKIT_OPERATOR_TOKEN to enable the operator endpoints.")
    if not x_operator_token or not hmac.compare_digest(x_operator_token.encode(), expected.encode()):
        raise OperatorTokenInvalid("Send the operator token in the X-Operator-Token header.")


# require_api_key runs first: a request without an API key is a 401 before the operator check.
router = APIRouter(
    prefix="/v1",
    tags=["Inventory"],
    dependencies=[Depends(require_api_key), Depends(require_operator)],
    route_class=StrictJSONRoute,
)

_ERRORS: dict[int | str, dict[str, Any]] = {403: {"description": "operator_disabled, operator_token_invalid"}}


class CodeIn(RequestModel):
    code: str = Field(description="The voucher code (1-200 characters); stored encrypted")
    pin: str | None = Field(default=None, description="Optional pin; stored encrypted")
    amount: Decimal | str = Field(description="Face value in major units, a denomination of the product")
    expires_at: str | None = Field(default=None, description="Optional ISO date (valid through it) or datetime")


class CodesIn(RequestModel):
    model_config = {
        "json_schema_extra": {"examples": [{"codes": [{"code": "ABCD-1234-EFGH", "pin": "9876", "amount": "25.00"}]}]}
    }

    codes: list[CodeIn] = Field(min_length=1, max_length=MAX_CODES, description=f"At most {MAX_CODES} per call")


@router.post(
    "/inventory/{product_id}/codes",
    operation_id="importInventoryCodes",
    status_code=201,
    response_model=InventoryImportOut,
    response_description="The codes were imported; the product's stock after the import",
    response_class=JSONResponse,
    responses={
        **_ERRORS,
        404: {"description": "product_not_found"},
        422: {"description": "inventory_import_invalid (with errors [{row, field, message}]), validation_error"},
    },
)
async def import_codes(
    request: Request, product_id: str, body: CodesIn, ctx: Annotated[Runtime, Depends(get_runtime)]
) -> JSONResponse:
    """Upload codes bought in bulk for a product, all or nothing: one bad row (or a code imported
    before) rejects the whole batch with a row-by-row list of problems."""
    rows = [c.model_dump() for c in body.codes]
    for row in rows:
        if isinstance(row["amount"], Decimal):
            row["amount"] = str(row["amount"])
    async with ctx.db.unit_of_work() as s:
        n = await inventory_service.import_codes(s, ctx.keyring, product_id, rows)
        stock = await inventory_service.counts(s, product_id)
    body_out = {"object": "inventory_import", "product_id": product_id, "imported": n, "stock": stock}
    return respond(request, body_out, "inventory_import", 201)


@router.get(
    "/inventory", operation_id="listInventory", response_model=StockList, response_class=JSONResponse, responses=_ERRORS
)
async def list_inventory(
    request: Request,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    product_id: Annotated[str | None, Query(max_length=80)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Stock per product and denomination: available (usable now), used, expired."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        data = await inventory_service.counts(s, product_id)
    return respond(request, page_in_memory(data, cursor, limit, key=_stock_key), "list")


def _stock_key(row: dict[str, Any]) -> str:
    # Unique per row and sorting as counts() does: product, currency, then amount (zero-padded).
    return f"{row['product_id']} {row['currency']} {row['amount']['minor_units']:019d}"
