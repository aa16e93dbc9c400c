"""The API's reads of the ledger (GET /v1/balances, /v1/balance_transactions): service functions, each
in its own read-only unit of work, that the routes call. Apart from service.py, which holds the rules
that move money, so that each file says what it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.auth.principals import Principal
from rewardkit.kit.money import money
from rewardkit.kit.pagination import decode_int_cursor, encode_cursor, page_in_memory
from rewardkit.ledger import repository, service
from rewardkit.ledger.schemas import BalanceOut, BalanceTransactionOut

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def list_balances(ctx: Runtime, ident: Principal, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """GET /v1/balances: available and pending per currency of the org's own wallets, by currency."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await service.balances(s, ident.org_id, ident.mode)
    data = [
        BalanceOut(
            currency=b.currency,
            available=money(b.available, b.currency),  # type: ignore[arg-type]
            pending=money(b.pending, b.currency),  # type: ignore[arg-type]
            reserved=money(b.reserved, b.currency),  # type: ignore[arg-type]
        ).model_dump()
        for b in rows
    ]
    return {"livemode": ident.livemode, **page_in_memory(data, cursor, limit, key=lambda b: b["currency"])}


async def statement_page(
    ctx: Runtime, ident: Principal, *, currency: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    """GET /v1/balance_transactions: the wallet statement, newest first, with running balances."""
    after = decode_int_cursor(cursor)
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.statement(
            s, ident.org_id, ident.mode, currency.upper() if currency else None, after, limit
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
    return {
        "object": "list",
        "data": data,
        "has_more": has_more,
        "next_cursor": encode_cursor(str(rows[-1][0].id)) if has_more and rows else None,
    }
