from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.ledger import statements
from rewardkit.ledger.schemas import BalanceList, BalanceTransactionList
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1", tags=["Balances"], route_class=StrictJSONRoute)


@router.get(
    "/balances",
    operation_id="listBalances",
    response_class=JSONResponse,
    response_model=BalanceList,
    response_description="Available and pending per currency",
)
async def list_balances(
    request: Request,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Available (spendable now) and pending (held for orders being fulfilled), per currency."""
    return respond(request, await statements.list_balances(ctx, ident, cursor=cursor, limit=limit), "list")


@router.get(
    "/balance_transactions",
    operation_id="listBalanceTransactions",
    response_class=JSONResponse,
    response_model=BalanceTransactionList,
    response_description="Statement lines, newest first",
)
async def list_balance_transactions(
    request: Request,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
    currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """The wallet statement: each movement with the running balance after it."""
    body = await statements.statement_page(ctx, ident, currency=currency, cursor=cursor, limit=limit)
    return respond(request, body, "list")
