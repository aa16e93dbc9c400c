"""The property of issue #16: for any sequence of fundings, orders (fulfilled, failed and refunded,
cross-currency), reward links (created, canceled), points (credits, debits of a prefunded programme)
and adjustments, every `balance_summary` ties, in every time zone tried (UTC, Asia/Kolkata, and
America/New_York over an interval holding a DST change):

- each row: opening + every activity column = closing;
- closing = the ledger account's balance at the interval's end (ledger_accounts.balance, read
  independently), and the org wallet's / pending / reserved = GET /v1/balances;
- the itemized `balance_transactions` rows sum, per account and category, to the summary's activity;
- split at an instant inside the data, the first part's closing is the second part's opening.

The examples run in a thread of their own (hypothesis drives them synchronously) and send each call to
the test's event loop. Sized for CI; REWARDKIT_REPORTS_EXAMPLES=200 runs more."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import defaultdict
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rewardkit.ledger import adjustments
from rewardkit.ledger import service as ledger
from rewardkit.ledger.models import Account
from rewardkit.reports.categories import CATEGORIES
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.reports.helpers import R, balances, iso, rows_jsonl

EXAMPLES = int(os.environ.get("REWARDKIT_REPORTS_EXAMPLES", "15"))
ZONES = ("UTC", "Asia/Kolkata", "America/New_York")
T = TypeVar("T")

ACTION = st.one_of(
    st.tuples(st.just("fund"), st.integers(1, 500)),
    st.tuples(st.just("order"), st.sampled_from([10, 25, 50])),
    st.tuples(st.just("order_fail"), st.sampled_from([10, 25])),
    st.tuples(st.just("order_fx"), st.sampled_from([25, 50])),
    st.tuples(st.just("link"), st.just(25)),
    st.tuples(st.just("link_cancel"), st.just(0)),
    st.tuples(st.just("credit"), st.integers(1, 3000)),
    st.tuples(st.just("debit"), st.integers(1, 1000)),
    st.tuples(st.just("adjust"), st.integers(1, 999)),
    st.tuples(st.just("split"), st.just(0)),
)


class World:
    def __init__(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient, ctx: Runtime) -> None:
        self.loop, self.client, self.ctx = loop, client, ctx

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)


async def _act(w: World, org: OrgHandle, state: dict[str, Any], kind: str, n: int) -> None:
    c, h = w.client, org.h()
    if kind == "fund":
        async with w.ctx.db.unit_of_work() as s:
            await ledger.fund(s, org.id, "test", "USD", n * 100)
    elif kind in ("order", "order_fail", "order_fx"):
        body = order_body(denomination=n)
        if kind == "order_fail":
            body["metadata"] = {"sandbox": "fail"}
        if kind == "order_fx":
            body = {"product_id": "amazon_de", "denomination": n, "currency": "EUR"}
        r = await c.post("/v1/orders", json=body, headers=h)
        assert r.status_code in (200, 402), r.text
    elif kind == "link":
        r = await c.post("/v1/reward_links", json={"value": n, "currency": "USD",
            "choice": {"products": ["amazon_us"]}, "recipient": {"email": "ada@example.com"}}, headers=h)  # fmt: skip
        assert r.status_code in (200, 402), r.text
        if r.status_code == 200:
            state["links"].append(r.json()["id"])
    elif kind == "link_cancel" and state["links"]:
        r = await c.post(f"/v1/reward_links/{state['links'].pop()}/cancel", headers=h)
        assert r.status_code == 200, r.text
    elif kind == "credit":
        url = f"/v1/points_programs/{state['program']}/members/u1/credits"
        r = await c.post(url, json={"points": n, "reference": secrets.token_hex(6)}, headers=h)
        assert r.status_code in (200, 402), r.text
    elif kind == "debit":
        url = f"/v1/points_programs/{state['program']}/members/u1/debits"
        r = await c.post(url, json={"points": n, "reference": secrets.token_hex(6)}, headers=h)
        assert r.status_code in (200, 422), r.text
    elif kind == "adjust":
        async with w.ctx.db.unit_of_work() as s:
            ref = f"adj-{secrets.token_hex(6)}"
            await adjustments.book(
                s,
                org.id,
                "test",
                direction="credit",
                amount=n,
                currency="USD",
                reference=ref,
                source_id="rcl_t",
                description="t",
            )
    elif kind == "split":
        state["split"] = datetime.now(UTC)


async def _report(w: World, org: OrgHandle, type_: str, start: str, end: str, tz: str) -> list[dict[str, Any]]:
    body = {"type": type_, "interval_start": start, "interval_end": end, "timezone": tz, "format": "jsonl"}
    r = await w.client.post(R, json=body, headers=org.h())
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    got = await w.client.get(f"{R}/{r.json()['id']}/download", headers=org.h())
    assert got.status_code == 200
    return rows_jsonl(got.content)


def _key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return row["currency"], row["holder_type"], row["holder_id"], row["account"]


async def _check(w: World, org: OrgHandle, state: dict[str, Any]) -> None:
    end = iso(datetime.now(UTC))
    async with w.ctx.db.unit_of_work(readonly=True) as s:
        accounts = (await s.execute(select(Account).where(Account.org_id == org.id, Account.mode == "test"))).scalars()
        ledger_balance = {(a.asset, a.holder_type, a.holder_id, a.kind): a.balance for a in accounts}
    api = await balances(w.client, org)
    for tz in ZONES:
        # A date read in the zone, weeks before the data: for New York, the interval holds the end of DST
        # (2026-11-01) when the suite runs in December 2026, and one change or another at any time of year.
        start = (datetime.now(UTC) - timedelta(days=200)).date().isoformat()
        summary = await _report(w, org, "balance_summary", start, end, tz)
        for row in summary:
            activity = sum(row[f"activity_{c}_minor"] for c in CATEGORIES)
            assert row["opening_balance_minor"] + activity == row["closing_balance_minor"], row
            assert row["opening_balance_minor"] == 0  # the org is younger than the interval
            assert row["closing_balance_minor"] == ledger_balance[_key(row)], row
        rows = {_key(r): r for r in summary}
        assert set(rows) == set(ledger_balance)
        usd = api.get("USD", {"available": 0, "pending": 0, "reserved": 0})
        assert rows[("USD", "org", org.id, "wallet")]["closing_balance_minor"] == usd["available"]
        pending = rows.get(("USD", "org", org.id, "pending"))
        assert (pending["closing_balance_minor"] if pending else 0) == usd["pending"]
        reserved = sum(r["closing_balance_minor"] for k, r in rows.items() if k[1] == "reward_link")
        assert reserved == usd["reserved"]
        items = await _report(w, org, "balance_transactions", start, end, tz)
        sums: dict[tuple[Any, ...], int] = defaultdict(int)
        for it in items:
            sums[(it["currency"], it["holder_type"], it["holder_id"], it["account"], it["category"])] += it[
                "amount_minor"
            ]
        for k, row in rows.items():
            for c in CATEGORIES:
                assert sums.get((*k, c), 0) == row[f"activity_{c}_minor"], (k, c)
        if state.get("split"):
            mid = iso(state["split"])
            first = {_key(r): r for r in await _report(w, org, "balance_summary", start, mid, tz)}
            second = {_key(r): r for r in await _report(w, org, "balance_summary", mid, end, tz)}
            for k, r in second.items():
                before = first[k]["closing_balance_minor"] if k in first else 0
                assert r["opening_balance_minor"] == before, k


async def test_every_balance_summary_ties(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    w = World(asyncio.get_running_loop(), client, ctx)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(ACTION, min_size=1, max_size=12))
    def example(actions: list[tuple[str, int]]) -> None:
        async def go() -> None:
            org = await make_org(USD="300.00")
            r = await client.post("/v1/points_programs", json={"name": "P", "currency": "USD",
                "points_per_unit": 100, "funding": "prefunded"}, headers=org.h())  # fmt: skip
            assert r.status_code == 200, r.text
            state: dict[str, Any] = {"links": [], "program": r.json()["id"]}
            r = await client.put(f"/v1/points_programs/{state['program']}/members/u1", json={}, headers=org.h())
            assert r.status_code == 200, r.text
            for kind, n in actions:
                await _act(w, org, state, kind, n)
            await _check(w, org, state)

        w.call(go())

    await asyncio.to_thread(example)
