"""Monthly statements of a wallet (GET /v1/statements): the month's opening balance, activity per
category and closing balance, from the ledger's postings and tied to it. A month is closed once it
ended (plus a grace for transactions still committing): its figures are written once to
statement_periods the first time it is asked for, and served from that row forever after. Ledger
rows are never backdated, so a correction booked later lands in the month it is booked in: a closed
month never changes, the next one shows the adjustment (docs/reports.md#statements)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from rewardkit.auth.principals import Principal
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import is_currency
from rewardkit.reports import repository
from rewardkit.reports.builders import Spec, TieOutError, figures_of, tie_out
from rewardkit.reports.categories import CATEGORIES
from rewardkit.reports.errors import InvalidMonth, ReportTieOutFailed, UnknownCurrency
from rewardkit.reports.models import StatementPeriod
from rewardkit.reports.schemas import StatementOut
from rewardkit.reports.timeframe import month_bounds, zone

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# A transaction is stamped when it starts and visible when it commits: a month is closed only once
# every transaction that can carry one of its timestamps has committed.
CLOSE_GRACE = timedelta(minutes=5)


async def wallet_month(
    ctx: Runtime, org_id: str, mode: str, currency: str, start: datetime, end: datetime
) -> tuple[int, dict[str, int], int, int]:
    """(opening, activity per category, closing, postings) of the org's wallet over [start, end)."""
    spec = Spec(org_id, mode, "balance_summary", start, end, zone("UTC"), currency)
    summaries = [
        sm
        for sm in await figures_of(ctx, spec, org_only=True)
        if sm.figures.kind == "wallet" and sm.figures.asset == currency
    ]
    try:
        tie_out(summaries)
    except TieOutError as exc:
        raise ReportTieOutFailed(str(exc)) from None
    if not summaries:
        return 0, dict.fromkeys(CATEGORIES, 0), 0, 0
    sm = summaries[0]
    return sm.figures.opening, sm.by_category, sm.closing, sm.figures.count


def _render(period: StatementPeriod | dict[str, Any], livemode: bool, status: str) -> dict[str, Any]:
    p = period if isinstance(period, dict) else {c: getattr(period, c) for c in _FIELDS}
    body = {
        "livemode": livemode,
        "status": status,
        "currency": p["currency"],
        "month": p["month"],
        "timezone": p["timezone"],
        "period_start": p["period_start"],
        "period_end": p["period_end"],
        "opening_balance": p["opening_balance"],
        "activity": {c: int(p["activity"].get(c, 0)) for c in CATEGORIES},
        "closing_balance": p["closing_balance"],
        "transaction_count": p["transaction_count"],
        "closed_at": p.get("closed_at"),
    }
    return StatementOut.model_validate(body).model_dump(mode="json")


_FIELDS = (
    "currency",
    "month",
    "timezone",
    "period_start",
    "period_end",
    "opening_balance",
    "activity",
    "closing_balance",
    "transaction_count",
    "closed_at",
)


async def statement(ctx: Runtime, ident: Principal, currency: str, month: str, tzname: str) -> dict[str, Any]:
    if not is_currency(currency):
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency.", errors=[{"field": "currency"}])
    tz = zone(tzname)
    start, end = month_bounds(month, tz)
    now = utcnow()
    if start > now:
        raise InvalidMonth(f"{month} has not begun.", errors=[{"field": "month"}])
    livemode = ident.livemode
    if end + CLOSE_GRACE > now:  # the month is open: live figures up to now
        opening, activity, closing, count = await wallet_month(ctx, ident.org_id, ident.mode, currency, start, now)
        live = {
            "currency": currency, "month": month, "timezone": tzname, "period_start": start, "period_end": end,
            "opening_balance": opening, "activity": activity, "closing_balance": closing,
            "transaction_count": count, "closed_at": None,
        }  # fmt: skip
        return _render(live, livemode, "open")
    return _render(await close(ctx, ident.org_id, ident.mode, currency, month, tzname), livemode, "closed")


async def close(ctx: Runtime, org_id: str, mode: str, currency: str, month: str, tzname: str) -> StatementPeriod:
    """The closed month's row: read, or computed and written once (a concurrent close that lost the
    race reads the winner's row)."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await repository.find_period(s, org_id, mode, currency, month, tzname)
    if found is not None:
        return found
    start, end = month_bounds(month, zone(tzname))
    opening, activity, closing, count = await wallet_month(ctx, org_id, mode, currency, start, end)
    values = {
        "id": new_id("stp"), "org_id": org_id, "mode": mode, "currency": currency, "month": month,
        "timezone": tzname, "period_start": start, "period_end": end, "opening_balance": opening,
        "activity": activity, "closing_balance": closing, "transaction_count": count, "closed_at": utcnow(),
    }  # fmt: skip
    try:
        async with ctx.db.unit_of_work() as s:
            await repository.insert_period(s, values)
    except IntegrityError:
        pass  # closed by a concurrent request first: serve its row
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = await repository.find_period(s, org_id, mode, currency, month, tzname)
    assert row is not None
    return row
