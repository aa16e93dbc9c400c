"""Reward points (#14): the contract, bad inputs, lots and expiry, reversals, pending, prefunded
accounting and the debit race. Every test ends with `ledger verify` (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rewardkit.jobs.models import Job
from rewardkit.points import movements, service
from rewardkit.points.models import PointsLot, PointsMember, PointsProgram, PointsTransaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, balance, credit, debit, history, member, murl, problem, program, show, usd


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


def at(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def clock(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(movements, "now", lambda: when)


async def counts(ctx: Runtime) -> tuple[int, ...]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return tuple(
            [
                int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                for t in (PointsProgram, PointsMember, PointsLot, PointsTransaction, Job)
            ]
        )


async def job(ctx: Runtime, key: str) -> Job | None:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (await s.execute(select(Job).where(Job.unique_key == key))).scalar_one_or_none()


# --- the contract ------------------------------------------------------------------------------


async def test_program_member_credit_debit_contract(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org, expiry={"months": 12, "round_to": "month_end"}, expiring_notice_days=30)
    assert p["id"].startswith("ppg_") and p["object"] == "points_program" and p["asset"].startswith("PTS_")
    assert p["expiry"] == {"months": 12, "round_to": "month_end"} and p["backing"] is None
    assert (await client.get(f"{P}/{p['id']}", headers=org.h())).json() == p
    m = await member(client, org, p["id"], "user_42", email="Ada@Example.com", name="Ada", country="us")
    shown = await show(client, org, p["id"], m)
    assert shown["id"] == "user_42" and shown["email"] == "Ada@example.com" and shown["country"] == "US"
    assert shown["balance"] == {"available": 0, "pending": 0, "lifetime_earned": 0} and shown["tier"] is None
    c = await credit(client, org, p["id"], m, 500, reason="signup", reference="signup-42")
    assert c["id"].startswith("ptx_") and c["object"] == "points_transaction" and c["type"] == "credit"
    assert c["points"] == 500 and c["balance_after"] == 500 and c["status"] == "available"
    exp = datetime.fromisoformat(c["expires_at"])
    assert exp.day == 1 and exp.hour == 0 and exp > at(360)  # the end of the month, 12 months on
    d = await debit(client, org, p["id"], m, 200, reason="coffee")
    assert d.status_code == 200, d.text
    assert d.json()["type"] == "debit" and d.json()["balance_after"] == 300
    assert d.json()["lots"] == [{"lot_id": c["lots"][0]["lot_id"], "points": 200}]
    shown = await show(client, org, p["id"], m)
    assert shown["balance"] == {"available": 300, "pending": 0, "lifetime_earned": 500}
    assert [x["points"] for x in shown["expiring"]] == [300]
    txs = await history(client, org, p["id"], m)
    assert [t["type"] for t in txs] == ["debit", "credit"] and [t["balance_after"] for t in txs] == [300, 500]
    assert (await job(ctx_of(client), f"points_expire:{c['lots'][0]['lot_id']}")) is not None


def ctx_of(client: httpx.AsyncClient) -> Runtime:
    transport: Any = client._transport  # the app's runtime, as the ctx fixture reads it
    rt: Runtime = transport.app.state.runtime
    return rt


async def test_list_and_patch_programs(client: httpx.AsyncClient, org: OrgHandle) -> None:
    a, b = await program(client, org, name="A"), await program(client, org, name="B")
    page1 = (await client.get(P, params={"limit": 1}, headers=org.h())).json()
    assert [x["id"] for x in page1["data"]] == [b["id"]] and page1["has_more"]
    page2 = (await client.get(P, params={"limit": 1, "cursor": page1["next_cursor"]}, headers=org.h())).json()
    assert [x["id"] for x in page2["data"]] == [a["id"]]
    r = await client.patch(f"{P}/{a['id']}", json={"currency": "EUR", "name": "A2"}, headers=org.h())
    assert r.status_code == 200 and r.json()["currency"] == "EUR" and r.json()["name"] == "A2"
    m = await member(client, org, a["id"])
    await credit(client, org, a["id"], m, 10)
    problem(await client.patch(f"{P}/{a['id']}", json={"currency": "USD"}, headers=org.h()), 409, "program_locked")
    problem(await client.patch(f"{P}/{a['id']}", json={"funding": "prefunded"}, headers=org.h()), 409, "program_locked")
    r = await client.patch(f"{P}/{a['id']}", json={"pending_days": 3, "currency": "EUR"}, headers=org.h())
    assert r.status_code == 200 and r.json()["pending_days"] == 3  # the same currency is no change


async def test_member_put_updates_without_touching_balances(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"], name="Ada")
    await credit(client, org, p["id"], m, 7)
    r = await client.put(murl(p["id"], m), json={"name": "Ada L", "metadata": {"plan": "pro"}}, headers=org.h())
    assert r.status_code == 200 and r.json()["name"] == "Ada L" and r.json()["balance"]["available"] == 7


# --- idempotency -------------------------------------------------------------------------------


async def test_reference_replays_and_conflicts(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    first = await credit(client, org, p["id"], m, 50, reference="ref-1", reason="x")
    before = await counts(ctx)
    again = await client.post(
        murl(p["id"], m, "/credits"), json={"points": 50, "reference": "ref-1", "reason": "x"}, headers=org.h()
    )
    assert again.status_code == 200 and again.json() == first and again.headers["idempotent-replayed"] == "true"
    other = await client.post(
        murl(p["id"], m, "/credits"), json={"points": 51, "reference": "ref-1", "reason": "x"}, headers=org.h()
    )
    assert problem(other, 409, "reference_reused")["transaction_id"] == first["id"]
    as_debit = await debit(client, org, p["id"], m, 5, reference="ref-1")
    problem(as_debit, 409, "reference_reused")
    assert await counts(ctx) == before and await balance(client, org, p["id"], m) == (50, 0)


async def test_idempotency_key(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 10)
    body = {"points": 3, "reference": "key-debit"}
    h = org.h(**{"Idempotency-Key": "k-123456789"})
    one = await client.post(murl(p["id"], m, "/debits"), json=body, headers=h)
    two = await client.post(murl(p["id"], m, "/debits"), json=body, headers=h)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert two.headers["idempotent-replayed"] == "true"
    reused = await client.post(murl(p["id"], m, "/debits"), json={**body, "points": 4}, headers=h)
    problem(reused, 422, "idempotency_key_reused")
    assert await balance(client, org, p["id"], m) == (7, 0)


# --- bad inputs: 4xx problem+json, nothing written ------------------------------------------------

BAD_CREDITS = [
    ({"points": 0, "reference": "r"}, 422, "validation_error"),
    ({"points": -5, "reference": "r"}, 422, "validation_error"),
    ({"points": 1.5, "reference": "r"}, 422, "validation_error"),
    ({"points": 2.0, "reference": "r"}, 422, "validation_error"),
    ({"points": "5", "reference": "r"}, 422, "validation_error"),
    ({"points": True, "reference": "r"}, 422, "validation_error"),
    ({"points": 10**13, "reference": "r"}, 422, "validation_error"),
    ({"points": 5}, 422, "validation_error"),
    ({"points": 5, "reference": ""}, 422, "validation_error"),
    ({"points": 5, "reference": "r", "extra": 1}, 422, "validation_error"),
    ({"points": 5, "reference": "r", "expires_at": "2000-01-01T00:00:00Z"}, 422, "validation_error"),
    ({"points": 5, "reference": "r", "expires_at": "2099-01-01T00:00:00"}, 422, "validation_error"),
    ({"points": 5, "reference": "r", "expires_at": "2200-01-01T00:00:00Z"}, 422, "validation_error"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_CREDITS)
async def test_bad_credits_write_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, body: dict[str, Any], status: int, code: str
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    before = await counts(ctx)
    problem(await client.post(murl(p["id"], m, "/credits"), json=body, headers=org.h()), status, code)
    problem(await client.post(murl(p["id"], m, "/debits"), json=body, headers=org.h()), status, code)
    assert await counts(ctx) == before


async def test_unknown_and_foreign_resources(
    client: httpx.AsyncClient, org: OrgHandle, make_org: MakeOrg, ctx: Runtime
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    c = await credit(client, org, p["id"], m, 10)
    other = await make_org(USD="10.00")
    live = await program(client, org, mode="live")
    before = await counts(ctx)
    body = {"points": 5, "reference": "r1"}
    cases = [
        (org.h(), murl("ppg_nope", m, "/credits"), "points_program_not_found"),
        (org.h(), murl(p["id"], "nobody", "/credits"), "points_member_not_found"),
        (other.h(), murl(p["id"], m, "/credits"), "points_program_not_found"),
        (org.h("live"), murl(p["id"], m, "/credits"), "points_program_not_found"),
        (org.h(), murl(live["id"], m, "/credits"), "points_program_not_found"),
        (other.h(), murl(p["id"], m, "/debits"), "points_program_not_found"),
    ]
    for headers, url, code in cases:
        problem(await client.post(url, json=body, headers=headers), 404, code)
    problem(await client.put(murl(live["id"], "x"), json={}, headers=org.h()), 404, "points_program_not_found")
    problem(await client.get(murl(p["id"], m), headers=other.h()), 404, "points_program_not_found")
    problem(await client.get(f"{P}/{p['id']}", headers=other.h()), 404, "points_program_not_found")
    problem(
        await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=other.h()),
        404,
        "points_transaction_not_found",
    )
    problem(await client.get(murl(p["id"], "bad id!"), headers=org.h()), 422, "validation_error")
    assert await counts(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "currency": "XXY", "points_per_unit": 100},
        {"name": "x", "currency": "USD", "points_per_unit": 0},
        {"name": "x", "currency": "USD", "points_per_unit": 1.5},
        {"name": "x", "currency": "USD", "points_per_unit": 100, "funding": "later"},
        {"name": "x", "currency": "USD", "points_per_unit": 100, "expiry": {"months": 0}},
        {"name": "x", "currency": "USD", "points_per_unit": 100, "expiry": {"months": 1, "round_to": "year"}},
        {"name": "", "currency": "USD", "points_per_unit": 100},
    ],
)
async def test_bad_programs(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, body: dict[str, Any]) -> None:
    before = await counts(ctx)
    problem(await client.post(P, json=body, headers=org.h()), 422, "validation_error")
    assert await counts(ctx) == before


# --- lots, debits, the race --------------------------------------------------------------------


async def test_debits_consume_soonest_expiring_first(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    never = await credit(client, org, p["id"], m, 100)
    late = await credit(client, org, p["id"], m, 100, expires_at=at(60).isoformat())
    soon = await credit(client, org, p["id"], m, 100, expires_at=at(10).isoformat())
    r = await debit(client, org, p["id"], m, 250)
    lots = [(x["lot_id"], x["points"]) for x in r.json()["lots"]]
    lot = {t["id"]: t["lots"][0]["lot_id"] for t in (never, late, soon)}
    assert lots == [(lot[soon["id"]], 100), (lot[late["id"]], 100), (lot[never["id"]], 50)]
    shown = await show(client, org, p["id"], m)
    assert shown["balance"]["available"] == 50 and shown["expiring"] == []  # the one left never expires


async def test_insufficient_points_writes_nothing(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org, pending_days=2)
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 100)  # pending: not spendable
    before = await counts(ctx)
    body = problem(await debit(client, org, p["id"], m, 1), 422, "insufficient_points")
    assert body["available"] == 0 and body["requested"] == 1
    assert await counts(ctx) == before


async def test_ten_concurrent_debits_never_overdraw(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 100)
    answers = await asyncio.gather(*(debit(client, org, p["id"], m, 30) for _ in range(10)))
    ok = [a for a in answers if a.status_code == 200]
    assert len(ok) == 3, [a.text for a in answers]
    assert all(a.status_code == 422 and a.json()["code"] == "insufficient_points" for a in answers if a not in ok)
    assert await balance(client, org, p["id"], m) == (10, 0)
    assert sorted(a.json()["balance_after"] for a in ok) == [10, 40, 70]


# --- expiry ------------------------------------------------------------------------------------


async def test_expiry_job_expires_exactly_what_is_left_once(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await program(client, org, expiry={"months": 1}, expiring_notice_days=7)
    m = await member(client, org, p["id"])
    c = await credit(client, org, p["id"], m, 100)
    lot_id = c["lots"][0]["lot_id"]
    await debit(client, org, p["id"], m, 30)
    expire = await job(ctx, f"points_expire:{lot_id}")
    notice = await job(ctx, f"points_notice:{lot_id}")
    assert expire is not None and notice is not None
    assert expire.run_at == datetime.fromisoformat(c["expires_at"]) and notice.run_at == expire.run_at - timedelta(
        days=7
    )
    with pytest.raises(Exception, match="not due"):
        await service.expire_job(ctx, lot_id)
    assert await service.notice_job(ctx, lot_id) == "notified"
    clock(monkeypatch, expire.run_at + timedelta(seconds=1))
    assert await service.expire_job(ctx, lot_id) == "expired 70"
    assert await service.expire_job(ctx, lot_id) == "nothing to expire"
    assert await balance(client, org, p["id"], m) == (0, 0)
    txs = await history(client, org, p["id"], m)
    assert [(t["type"], t["points"], t["balance_after"]) for t in txs][0] == ("expiry", 70, 0)
    events = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()["data"]
    types = [e["type"] for e in events if e["data"].get("member_id") == m]
    assert types.count("points.expired") == 1 and "points.expiring" in types and "points.credited" in types


async def test_month_end_rounding_and_clamping(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org, expiry={"months": 1})
    prog = PointsProgram(expiry_months=1, expiry_round_to=None)
    assert movements.lot_expiry(prog, datetime(2027, 1, 31, 10, tzinfo=UTC)) == datetime(2027, 2, 28, 10, tzinfo=UTC)
    prog.expiry_round_to = "month_end"
    assert movements.lot_expiry(prog, datetime(2027, 11, 15, tzinfo=UTC)) == datetime(2028, 1, 1, tzinfo=UTC)
    assert p["expiry"] == {"months": 1, "round_to": None}


# --- pending -----------------------------------------------------------------------------------


async def test_pending_credit_released_by_job_or_api(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await program(client, org, pending_days=14)
    m = await member(client, org, p["id"])
    a = await credit(client, org, p["id"], m, 40)
    b = await credit(client, org, p["id"], m, 60)
    assert a["status"] == "pending" and a["pending_after"] == 40 and a["balance_after"] == 0
    assert await balance(client, org, p["id"], m) == (0, 100)
    r = await client.post(f"/v1/points_transactions/{a['id']}/release", headers=org.h())
    assert r.status_code == 200 and r.json()["status"] == "available"
    # The answer's balances are the member's after the release, not those of the credit back then.
    assert (r.json()["balance_after"], r.json()["pending_after"]) == (40, 60)
    problem(await client.post(f"/v1/points_transactions/{a['id']}/release", headers=org.h()), 409, "points_not_pending")
    assert await balance(client, org, p["id"], m) == (40, 60)
    lot_b = b["lots"][0]["lot_id"]
    with pytest.raises(Exception, match="not due"):  # jobs.Defer: the worker runs it again at available_at
        await service.release_job(ctx, lot_b)
    clock(monkeypatch, datetime.fromisoformat(b["available_at"]) + timedelta(seconds=1))
    assert await service.release_job(ctx, lot_b) == "released"
    assert await balance(client, org, p["id"], m) == (100, 0)


# --- reversals ---------------------------------------------------------------------------------


async def test_reversals(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    c = await credit(client, org, p["id"], m, 100)
    d = (await debit(client, org, p["id"], m, 80)).json()
    before = await counts(ctx)
    problem(
        await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=org.h()), 409, "points_already_spent"
    )
    assert await counts(ctx) == before
    r = await client.post(f"/v1/points_transactions/{d['id']}/reverse", headers=org.h())
    assert r.status_code == 200 and r.json()["type"] == "reversal" and r.json()["reverses"] == d["id"]
    assert r.json()["balance_after"] == 100
    problem(
        await client.post(f"/v1/points_transactions/{d['id']}/reverse", headers=org.h()),
        409,
        "points_transaction_not_reversible",
    )
    rc = await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=org.h())
    assert rc.status_code == 200 and rc.json()["points"] == 100 and rc.json()["balance_after"] == 0
    got = (await client.get(f"/v1/points_transactions/{c['id']}", headers=org.h())).json()
    assert got["reversed_by"] == rc.json()["id"]
    problem(
        await client.post(f"/v1/points_transactions/{rc.json()['id']}/reverse", headers=org.h()),
        409,
        "points_transaction_not_reversible",
    )
    assert (await show(client, org, p["id"], m))["balance"] == {"available": 0, "pending": 0, "lifetime_earned": 0}


async def test_allow_negative_debt_is_paid_by_the_next_credit(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org, allow_negative=True)
    m = await member(client, org, p["id"])
    c = await credit(client, org, p["id"], m, 100)
    await debit(client, org, p["id"], m, 70)
    r = await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=org.h())
    assert r.status_code == 200 and r.json()["balance_after"] == -70
    problem(await debit(client, org, p["id"], m, 1), 422, "insufficient_points")
    n = await credit(client, org, p["id"], m, 100)
    assert n["balance_after"] == 30
    shown = await show(client, org, p["id"], m)
    assert shown["balance"]["available"] == 30
    assert (await debit(client, org, p["id"], m, 30)).status_code == 200


# --- prefunded ---------------------------------------------------------------------------------


async def test_prefunded_accounting_is_exact(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await program(client, org, funding="prefunded", points_per_unit=3, expiry={"months": 1})
    m = await member(client, org, p["id"])
    assert await usd(client, org) == 10000
    c1 = await credit(client, org, p["id"], m, 1)  # 1/3 USD: 34 cents (rounded up, covered)
    assert c1["cash"]["minor_units"] == 34 and await usd(client, org) == 9966
    c2 = await credit(client, org, p["id"], m, 2)  # 3 points = exactly 1 USD: 66 more cents
    assert c2["cash"]["minor_units"] == 66 and await usd(client, org) == 9900
    got = (await client.get(f"{P}/{p['id']}", headers=org.h())).json()
    assert got["outstanding_points"] == 3 and got["backing"]["minor_units"] == 100
    d = (await debit(client, org, p["id"], m, 1)).json()
    assert d["cash"]["minor_units"] == -33 and await usd(client, org) == 9933
    clock(monkeypatch, datetime.fromisoformat(c1["expires_at"]) + timedelta(seconds=1))
    await service.expire_job(ctx, c1["lots"][0]["lot_id"])  # its 1 point was the one debited: nothing left
    await service.expire_job(ctx, c2["lots"][0]["lot_id"])
    assert await usd(client, org) == 10000
    got = (await client.get(f"{P}/{p['id']}", headers=org.h())).json()
    assert got["outstanding_points"] == 0 and got["backing"]["minor_units"] == 0


async def test_prefunded_credit_beyond_the_wallet_is_402(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    poor = await make_org(USD="1.00")
    p = await program(client, poor, funding="prefunded", points_per_unit=100)
    m = await member(client, poor, p["id"])
    await credit(client, poor, p["id"], m, 100)
    before = await counts(ctx)
    r = await client.post(murl(p["id"], m, "/credits"), json={"points": 1, "reference": "x"}, headers=poor.h())
    problem(r, 402, "insufficient_funds")
    assert await counts(ctx) == before and await balance(client, poor, p["id"], m) == (100, 0)


async def test_concurrent_same_reference_credits_once(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    other = await member(client, org, p["id"])
    body = {"points": 10, "reference": "same-ref"}
    answers = await asyncio.gather(
        *(client.post(murl(p["id"], m, "/credits"), json=body, headers=org.h()) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {200} and len({a.json()["id"] for a in answers}) == 1
    assert await balance(client, org, p["id"], m) == (10, 0)
    # The same reference for two members at once: one credit, the other is told the reference is used.
    body = {"points": 5, "reference": "raced-ref"}
    a, b = await asyncio.gather(
        client.post(murl(p["id"], m, "/credits"), json=body, headers=org.h()),
        client.post(murl(p["id"], other, "/credits"), json=body, headers=org.h()),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 409], (a.text, b.text)
    assert (await balance(client, org, p["id"], m))[0] + (await balance(client, org, p["id"], other))[0] == 15


async def test_a_pending_lot_can_expire_and_be_reversed(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await program(client, org, pending_days=5)
    m = await member(client, org, p["id"])
    soon = await credit(client, org, p["id"], m, 30, expires_at=at(6).isoformat())
    other = await credit(client, org, p["id"], m, 20)
    r = await client.post(f"/v1/points_transactions/{other['id']}/reverse", headers=org.h())
    assert r.status_code == 200 and r.json()["pending_after"] == 30 and r.json()["points"] == 20
    assert await job(ctx, f"points_release:{other['lots'][0]['lot_id']}") is not None
    clock(monkeypatch, at(6) + timedelta(minutes=1))
    assert await service.release_job(ctx, other["lots"][0]["lot_id"]) == "nothing to release"
    assert await service.expire_job(ctx, soon["lots"][0]["lot_id"]) == "expired 30"
    assert await balance(client, org, p["id"], m) == (0, 0)
    assert (await show(client, org, p["id"], m))["balance"]["lifetime_earned"] == 30


async def test_a_release_pays_a_debt_first(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org, allow_negative=True, pending_days=3)
    m = await member(client, org, p["id"])
    first = await credit(client, org, p["id"], m, 100)
    assert (await client.post(f"/v1/points_transactions/{first['id']}/release", headers=org.h())).status_code == 200
    assert (await debit(client, org, p["id"], m, 100)).status_code == 200
    second = await credit(client, org, p["id"], m, 50)
    r = await client.post(f"/v1/points_transactions/{first['id']}/reverse", headers=org.h())
    assert r.status_code == 200 and r.json()["balance_after"] == -100 and r.json()["pending_after"] == 50
    released = await client.post(f"/v1/points_transactions/{second['id']}/release", headers=org.h())
    assert released.status_code == 200 and released.json()["status"] == "available"
    assert (released.json()["balance_after"], released.json()["pending_after"]) == (-50, 0)
    shown = await show(client, org, p["id"], m)
    assert shown["balance"] == {"available": -50, "pending": 0, "lifetime_earned": 50}
    assert (await debit(client, org, p["id"], m, 1)).status_code == 422
    third = await credit(client, org, p["id"], m, 80)
    await client.post(f"/v1/points_transactions/{third['id']}/release", headers=org.h())
    assert await balance(client, org, p["id"], m) == (30, 0)
    d = await debit(client, org, p["id"], m, 30)
    assert d.status_code == 200 and d.json()["lots"] == [{"lot_id": third["lots"][0]["lot_id"], "points": 30}]
