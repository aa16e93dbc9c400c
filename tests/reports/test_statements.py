"""Monthly statements: a closed month is written once and never changes; a correction booked later
lands in the month it is booked in (the open month), as an adjustment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from rewardkit.kit.db import utcnow
from rewardkit.ledger import adjustments
from rewardkit.ledger.models import Transaction
from rewardkit.reports.categories import CATEGORIES
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import problem

S = "/v1/statements"


def _month(t: datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}"


async def _backdate(ctx: Runtime, org_id: str, when: datetime) -> None:
    """Test set-up only: move the org's ledger transactions so far into a past month (the ledger never
    backdates; this stands for history that was booked then)."""
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Transaction).where(Transaction.org_id == org_id).values(created_at=when))


async def test_a_closed_month_never_changes_and_a_late_correction_lands_in_the_next(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    now = utcnow()
    last = (now.replace(day=1) - timedelta(days=1)).replace(day=15)  # mid last month
    await _backdate(ctx, org.id, last)
    r = await client.get(S, params={"currency": "USD", "month": _month(last)}, headers=org.h())
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert closed["opening_balance"] == 0 and closed["activity"]["funding"] == 10000
    assert closed["closing_balance"] == 10000 and closed["transaction_count"] == 1
    # A correction booked now: the closed month is unchanged; the open month shows it.
    async with ctx.db.unit_of_work() as s:
        await adjustments.book(s, org.id, "test", direction="credit", amount=250, currency="USD",
                               reference="adj-late-1", source_id="rcl_late", description="late credit")  # fmt: skip
    again = (await client.get(S, params={"currency": "USD", "month": _month(last)}, headers=org.h())).json()
    assert again == closed
    current = (await client.get(S, params={"currency": "USD", "month": _month(now)}, headers=org.h())).json()
    assert current["status"] == "open" and current["closed_at"] is None
    assert current["opening_balance"] == closed["closing_balance"]
    assert current["activity"]["adjustments"] == 250 and current["closing_balance"] == 10250
    assert set(current["activity"]) == set(CATEGORIES)
    r = await client.get("/v1/balances", headers=org.h())
    assert r.json()["data"][0]["available"]["minor_units"] == current["closing_balance"]


async def test_months_in_a_time_zone(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    # The 1st of last month at 00:30 UTC is still the month before in New York (both long closed).
    first = (utcnow().replace(day=1) - timedelta(days=1)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    await _backdate(ctx, org.id, first + timedelta(minutes=30))
    prev = _month(first - timedelta(days=1))
    ny = (await client.get(S, params={"currency": "USD", "month": prev, "timezone": "America/New_York"},
                           headers=org.h())).json()  # fmt: skip
    utc = (await client.get(S, params={"currency": "USD", "month": prev}, headers=org.h())).json()
    assert ny["closing_balance"] == 1000 and utc["closing_balance"] == 0
    assert ny["period_end"] != utc["period_end"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"currency": "USD", "month": "2026-13"}, "invalid_month"),
        ({"currency": "USD", "month": "2999-01"}, "invalid_month"),
        ({"currency": "USD", "month": "2026-01", "timezone": "Nowhere/City"}, "unknown_timezone"),
        ({"currency": "XXQ", "month": "2026-01"}, "unknown_currency"),
        # year 1 begins before any UTC instant east of Greenwich: a problem, not a 500
        ({"currency": "USD", "month": "0001-01", "timezone": "Asia/Tokyo"}, "invalid_month"),
        ({"currency": "USD", "month": "26-1"}, "validation_error"),
        ({"month": "2026-01"}, "validation_error"),
    ],
)
async def test_bad_statement_inputs(
    client: httpx.AsyncClient, make_org: MakeOrg, params: dict[str, str], code: str
) -> None:
    org = await make_org()
    problem(await client.get(S, params=params, headers=org.h()), 422, code)


async def test_a_wallet_without_activity_has_a_zero_statement(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = (await client.get(S, params={"currency": "EUR", "month": _month(datetime.now(UTC))}, headers=org.h())).json()
    assert body["opening_balance"] == body["closing_balance"] == 0 and body["status"] == "open"
