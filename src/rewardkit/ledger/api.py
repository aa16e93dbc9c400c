from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from rewardkit.auth.api import require_identity
from rewardkit.auth.service import Identity
from rewardkit.kit.context import AppContext, get_context
from rewardkit.kit.money import money
from rewardkit.kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.ledger import repository, service
from rewardkit.ledger.schemas import BalanceOut, BalanceTransactionOut

router = APIRouter(prefix="/v1", tags=["Balances"])


@router.get(
    "/balances",
    operation_id="listBalances",
    response_class=JSONResponse,
    responses={200: {"description": "Available and pending per currency", "model": list[BalanceOut]}},
)
async def list_balances(
    request: Request,
    ident: Annotated[Identity, Depends(require_identity)],
    ctx: Annotated[AppContext, Depends(get_context)],
) -> JSONResponse:
    """Available (spendable now) and pending (held for orders being fulfilled), per currency."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await service.balances(s, ident.org_id, ident.mode)
    data = [
        BalanceOut(
            currency=b.currency,
            available=money(b.available, b.currency),  # type: ignore[arg-type]
            pending=money(b.pending, b.currency),
        ).model_dump()  # type: ignore[arg-type]
        for b in rows
    ]
    return respond(request, {"object": "list", "livemode": ident.livemode, "data": data}, "list")


@router.get(
    "/balance_transactions",
    operation_id="listBalanceTransactions",
    response_class=JSONResponse,
    responses={200: {"description": "Statement lines, newest first", "model": list[BalanceTransactionOut]}},
)
async def list_balance_transactions(
    request: Request,
    ident: Annotated[Identity, Depends(require_identity)],
    ctx: Annotated[AppContext, Depends(get_context)],
    currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """The wallet statement: each movement with the running balance after it."""
    after = decode_cursor(cursor)
    if after is not None and not after.isdigit():
        raise InvalidCursor("Pass back the next_cursor of a previous page, unchanged.")
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.statement(
            s,
            ident.org_id,
            ident.mode,
            currency.upper() if currency else None,
            int(after) if after else None,
            limit,
        )
    has_more = len(rows) > limit
    rows = rows[:limit]
    data: list[dict[str, Any]] = [
        BalanceTransactionOut(
            id=f"btx_{p.id}",
            transaction_id=t.id,
            type=t.kind,
            currency=p.asset,
            amount=money(p.amount, p.asset),  # type: ignore[arg-type]
            balance_after=money(p.balance_after, p.asset),  # type: ignore[arg-type]
            description=t.description,
            source_id=t.source_id,
            created_at=t.created_at,
        ).model_dump(mode="json")
        for p, t in rows
    ]
    body = {
        "object": "list",
        "data": data,
        "has_more": has_more,
        "next_cursor": encode_cursor(str(rows[-1][0].id)) if has_more and rows else None,
    }
    return respond(request, body, "list")
