"""Review findings of #14: outstanding points in both fundings, a canceled redemption whose lot expired,
pending longer than expiry, the release's answer, tier re-evaluation on a reversal. Every test ends with
`ledger verify` (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from rewardkit.points import movements, repository, service
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, balance, credit, debit, history, member, murl, problem, program, program_body
from tests.points.test_redemptions import events, return_job


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


def clock(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(movements, "now", lambda: when)


async def outstanding(client: httpx.AsyncClient, org: OrgHandle, program_id: str) -> int:
    r = await client.get(f"{P}/{program_id}", headers=org.h())
    assert r.status_code == 200, r.text
    return int(r.json()["outstanding_points"])


@pytest.mark.parametrize("funding", ["on_redemption", "prefunded"])
async def test_outstanding_points_in_both_fundings(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch, funding: str
) -> None:
    p = await program(client, org, funding=funding, expiry={"months": 1})
    m = await member(client, org, p["id"])
    c1 = await credit(client, org, p["id"], m, 1000)
    assert await outstanding(client, org, p["id"]) == 1000
    c2 = await credit(client, org, p["id"], m, 3000)
    assert await outstanding(client, org, p["id"]) == 4000
    d = await debit(client, org, p["id"], m, 500)
    assert d.status_code == 200, d.text
    assert await outstanding(client, org, p["id"]) == 3500
    r = await client.post(f"/v1/points_transactions/{d.json()['id']}/reverse", headers=org.h())
    assert r.status_code == 200, r.text
    assert await outstanding(client, org, p["id"]) == 4000
    r = await client.post(f"/v1/points_transactions/{c1['id']}/reverse", headers=org.h())
    assert r.status_code == 200, r.text
    assert await outstanding(client, org, p["id"]) == 3000
    body = {"product_id": "amazon_us", "denomination": 10, "currency": "USD"}
    r = await client.post(murl(p["id"], m, "/redemptions"), json=body, headers=org.h())
    assert r.status_code == 200, r.text
    assert await outstanding(client, org, p["id"]) == 2000
    clock(monkeypatch, datetime.fromisoformat(c2["expires_at"]) + timedelta(seconds=1))
    await service.expire_job(ctx, c2["lots"][0]["lot_id"])
    assert await balance(client, org, p["id"], m) == (0, 0)
    assert await outstanding(client, org, p["id"]) == 0


async def test_a_canceled_redemption_whose_lot_expired_books_the_points_as_expired(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0.2)
    p = await program(client, org)
    m = await member(client, org, p["id"])
    soon = datetime.now(UTC) + timedelta(days=2)
    c = await credit(client, org, p["id"], m, 2000, expires_at=soon.isoformat())
    keep = await credit(client, org, p["id"], m, 1000)  # never expires: its 500 come back
    body = {"product_id": "amazon_us", "denomination": 25, "currency": "USD", "metadata": {"sandbox": "slow:300"}}
    r = await client.post(murl(p["id"], m, "/redemptions"), json=body, headers=org.h())
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["transaction"]["lots"] == [
        {"lot_id": c["lots"][0]["lot_id"], "points": 2000},
        {"lot_id": keep["lots"][0]["lot_id"], "points": 500},
    ]
    clock(monkeypatch, soon + timedelta(seconds=1))
    await service.expire_job(ctx, c["lots"][0]["lot_id"])  # all of it was spent: nothing left to expire
    cancel = await client.post(f"/v1/orders/{out['order']['id']}/cancel", headers=org.h())
    assert cancel.status_code == 200, cancel.text
    job = await return_job(ctx, out["transaction"]["id"])
    assert job is not None and ctx.worker is not None and await ctx.worker.run_now(job.id)
    assert await balance(client, org, p["id"], m) == (1000, 0)  # only the 500 of the lot that lives
    txs = await history(client, org, p["id"], m)
    assert [(t["type"], t["points"]) for t in txs] == [
        ("reversal", 500),
        ("debit", 2500),
        ("credit", 1000),
        ("credit", 2000),
    ]
    assert [e["points"] for e in await events(client, org, "points.reversed")] == [500]
    async with ctx.db.unit_of_work(readonly=True) as s:
        lot = await repository.lot(s, c["lots"][0]["lot_id"])
        assert lot is not None and lot.expired_points == 2000


async def test_a_canceled_redemption_all_expired_writes_no_empty_reversal(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0.2)
    p = await program(client, org, funding="prefunded")
    m = await member(client, org, p["id"])
    soon = datetime.now(UTC) + timedelta(days=2)
    c = await credit(client, org, p["id"], m, 2500, expires_at=soon.isoformat())
    body = {"product_id": "amazon_us", "denomination": 25, "currency": "USD", "metadata": {"sandbox": "slow:300"}}
    r = await client.post(murl(p["id"], m, "/redemptions"), json=body, headers=org.h())
    assert r.status_code == 202, r.text
    out = r.json()
    clock(monkeypatch, soon + timedelta(seconds=1))
    await service.expire_job(ctx, c["lots"][0]["lot_id"])
    # By hand it is refused anyway (a redemption); the order's cancelation returns what it can: nothing.
    cancel = await client.post(f"/v1/orders/{out['order']['id']}/cancel", headers=org.h())
    assert cancel.status_code == 200, cancel.text
    job = await return_job(ctx, out["transaction"]["id"])
    assert job is not None and ctx.worker is not None and await ctx.worker.run_now(job.id)
    assert await balance(client, org, p["id"], m) == (0, 0)
    assert [t["type"] for t in await history(client, org, p["id"], m)] == ["debit", "credit"]
    assert await events(client, org, "points.reversed") == []
    assert await outstanding(client, org, p["id"]) == 0
    again = await client.get(f"/v1/points_transactions/{out['transaction']['id']}", headers=org.h())
    assert again.status_code == 200 and again.json()["reversed_by"]  # returned once: the job will not retry


async def test_reversing_a_debit_whose_lots_all_expired_is_refused(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    soon = datetime.now(UTC) + timedelta(days=2)
    c = await credit(client, org, p["id"], m, 500, expires_at=soon.isoformat())
    d = await debit(client, org, p["id"], m, 500)
    assert d.status_code == 200, d.text
    clock(monkeypatch, soon + timedelta(seconds=1))
    await service.expire_job(ctx, c["lots"][0]["lot_id"])
    r = await client.post(f"/v1/points_transactions/{d.json()['id']}/reverse", headers=org.h())
    problem(r, 409, "points_transaction_not_reversible")
    assert [t["type"] for t in await history(client, org, p["id"], m)] == ["debit", "credit"]


async def test_pending_longer_than_expiry_is_refused(client: httpx.AsyncClient, org: OrgHandle) -> None:
    for body in (
        {"pending_days": 60, "expiry": {"months": 1}},
        {"pending_days": 28, "expiry": {"months": 1}},  # a month after Jan 31 is Feb 28: 28 days
        {"pending_days": 59, "expiry": {"months": 2}},  # Dec 31 -> Feb 28
    ):
        r = await client.post(P, json=program_body(**body), headers=org.h())
        got = problem(r, 422, "validation_error")
        assert {e["field"] for e in got["errors"]} == {"pending_days", "expiry"}, got
    ok = await program(client, org, pending_days=27, expiry={"months": 1})
    assert ok["pending_days"] == 27
    for patch in ({"pending_days": 60}, {"expiry": {"months": 1, "round_to": None}, "pending_days": 40}):
        r = await client.patch(f"{P}/{ok['id']}", json=patch, headers=org.h())
        problem(r, 422, "validation_error")
    p = await program(client, org, pending_days=60)
    problem(
        await client.patch(f"{P}/{p['id']}", json={"expiry": {"months": 1}}, headers=org.h()), 422, "validation_error"
    )
    fine = await client.patch(f"{P}/{p['id']}", json={"expiry": {"months": 3}}, headers=org.h())
    assert fine.status_code == 200, fine.text
    again = (await client.get(f"{P}/{ok['id']}", headers=org.h())).json()
    assert again["pending_days"] == 27
