"""Points redemptions (#14): points for an order in one atomic step, both fundings, the points back when
the order fails or is canceled (once), bad inputs writing nothing, the race, Idempotency-Key. Every test
ends with `ledger verify` (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from rewardkit.jobs.models import Job
from rewardkit.orders.models import Order
from rewardkit.points.models import PointsLot, PointsMember, PointsTransaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, balance, credit, history, member, murl, problem, program, show, usd


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


def redeem_body(denomination: Any = 25, **over: Any) -> dict[str, Any]:
    return {"product_id": "amazon_us", "denomination": denomination, "currency": "USD", **over}


async def redeem(
    client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str, body: dict[str, Any], **h: str
) -> httpx.Response:
    return await client.post(murl(program_id, member_id, "/redemptions"), json=body, headers=org.h(**h))


async def counts(ctx: Runtime) -> tuple[int, ...]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return tuple(
            [
                int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                for t in (Order, PointsTransaction, PointsLot, PointsMember, Job)
            ]
        )


async def events(client: httpx.AsyncClient, org: OrgHandle, type_: str) -> list[dict[str, Any]]:
    data = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()["data"]
    return [e["data"] for e in data if e["type"] == type_]


async def backing(client: httpx.AsyncClient, org: OrgHandle, program_id: str) -> int:
    got = (await client.get(f"{P}/{program_id}", headers=org.h())).json()["backing"]
    return int(got["minor_units"]) if got else 0


async def return_job(ctx: Runtime, ptx_id: str) -> Job | None:
    async with ctx.db.unit_of_work(readonly=True) as s:
        q = select(Job).where(Job.unique_key == f"points_return:{ptx_id}")
        return (await s.execute(q)).scalar_one_or_none()


# --- the contract ------------------------------------------------------------------------------------


async def test_redemption_on_redemption_funding(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"], email="ada@example.com", name="Ada", country="US")
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    later = await credit(client, org, p["id"], m, 2000)  # no expiry
    first = await credit(client, org, p["id"], m, 1000, expires_at=soon)
    r = await redeem(client, org, p["id"], m, redeem_body(25))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["object"] == "points_redemption" and out["points"] == 2500 and out["returned"] is None
    assert out["member_id"] == m and out["program_id"] == p["id"]
    order, tx = out["order"], out["transaction"]
    assert order["status"] == "fulfilled" and order["voucher"]["code"]
    assert order["metadata"]["points_transaction"] == tx["id"] and order["metadata"]["points_program"] == p["id"]
    assert order["recipient"]["email"] == "ada@example.com"
    assert tx["type"] == "debit" and tx["points"] == 2500 and tx["balance_after"] == 500
    assert tx["reference"] == f"redemption:{order['id']}"
    # Soonest expiring first: the 30-day lot whole, then 1,500 of the lot that never expires.
    assert tx["lots"] == [
        {"lot_id": first["lots"][0]["lot_id"], "points": 1000},
        {"lot_id": later["lots"][0]["lot_id"], "points": 1500},
    ]
    assert await balance(client, org, p["id"], m) == (500, 0)
    assert await usd(client, org) == 7500  # the wallet paid the order
    [ev] = await events(client, org, "points.redeemed")
    assert ev["order_id"] == order["id"] and ev["transaction_id"] == tx["id"] and ev["points"] == 2500


async def test_redemption_prefunded_pays_from_the_backing(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org, funding="prefunded")
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 4000)
    assert (await usd(client, org), await backing(client, org, p["id"])) == (6000, 4000)
    r = await redeem(client, org, p["id"], m, redeem_body("25.00"))
    assert r.status_code == 200, r.text
    assert r.json()["transaction"]["cash"]["minor_units"] == -2500
    # The backing account paid the order: the wallet did not move.
    assert (await usd(client, org), await backing(client, org, p["id"])) == (6000, 1500)
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert "order_debit" in [line["type"] for line in lines]


async def test_a_failed_order_gives_the_points_back_once(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime
) -> None:
    for funding in ("on_redemption", "prefunded"):
        p = await program(client, org, funding=funding)
        m = await member(client, org, p["id"])
        await credit(client, org, p["id"], m, 3000)
        wallet, held = await usd(client, org), await backing(client, org, p["id"])
        r = await redeem(client, org, p["id"], m, redeem_body(25, metadata={"sandbox": "fail"}))
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["order"]["status"] == "refunded"
        returned = out["returned"]
        assert returned["type"] == "reversal" and returned["reverses"] == out["transaction"]["id"]
        assert returned["points"] == 2500 and returned["balance_after"] == 3000
        assert await balance(client, org, p["id"], m) == (3000, 0)
        assert (await usd(client, org), await backing(client, org, p["id"])) == (wallet, held)
        # The subscriber queued the return job with the refund; it finds the points back already.
        job = await return_job(ctx, out["transaction"]["id"])
        assert job is not None
        assert ctx.worker is not None and await ctx.worker.run_now(job.id)
        assert [t["type"] for t in await history(client, org, p["id"], m)] == ["reversal", "debit", "credit"]
        assert await balance(client, org, p["id"], m) == (3000, 0)


@pytest.fixture
def short_wait(ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request waits only briefly for the supplier, so a slow order is answered 202 (processing)."""
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0.2)


@pytest.mark.usefixtures("short_wait")
async def test_a_canceled_order_gives_the_points_back_through_the_job(
    app: FastAPI, client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime
) -> None:
    p = await program(client, org, funding="prefunded")
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 3000)
    r = await redeem(client, org, p["id"], m, redeem_body(25, metadata={"sandbox": "slow:300"}))
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["order"]["status"] == "processing" and out["returned"] is None
    assert await balance(client, org, p["id"], m) == (500, 0)
    c = await client.post(f"/v1/orders/{out['order']['id']}/cancel", headers=org.h())
    assert c.status_code == 200, c.text
    job = await return_job(ctx, out["transaction"]["id"])
    assert job is not None and job.status == "queued"
    assert ctx.worker is not None and await ctx.worker.run_now(job.id)
    assert await balance(client, org, p["id"], m) == (3000, 0)
    assert (await usd(client, org), await backing(client, org, p["id"])) == (7000, 3000)
    txs = await history(client, org, p["id"], m)
    assert [t["type"] for t in txs] == ["reversal", "debit", "credit"] and txs[0]["points"] == 2500
    again = await client.post(f"/v1/points_transactions/{out['transaction']['id']}/reverse", headers=org.h())
    problem(again, 409, "points_redemption_not_reversible")


async def test_idempotency_key_replays_the_redemption(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 6000)
    key = "red-" + secrets.token_hex(8)
    r1 = await redeem(client, org, p["id"], m, redeem_body(25), **{"Idempotency-Key": key})
    r2 = await redeem(client, org, p["id"], m, redeem_body(25), **{"Idempotency-Key": key})
    assert r1.status_code == r2.status_code == 200, r2.text
    assert r2.headers.get("idempotent-replayed") == "true" and r2.json() == r1.json()
    assert await balance(client, org, p["id"], m) == (3500, 0)
    other = await redeem(client, org, p["id"], m, redeem_body(10), **{"Idempotency-Key": key})
    problem(other, 422, "idempotency_key_reused")
    assert await balance(client, org, p["id"], m) == (3500, 0)


# --- bad inputs write nothing ------------------------------------------------------------------------


async def test_bad_redemptions_write_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, make_org: MakeOrg
) -> None:
    p = await program(client, org)
    odd = await program(client, org, points_per_unit=3)
    m = await member(client, org, p["id"])
    await member(client, org, odd["id"], m)
    await credit(client, org, p["id"], m, 1000)
    await credit(client, org, odd["id"], m, 1000)
    other = await make_org(USD="10.00")
    before, wallet = await counts(ctx), await usd(client, org)
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        (p["id"], m, redeem_body(25), 422, "insufficient_points"),  # 2,500 > 1,000
        (odd["id"], m, redeem_body("14.99", product_id="amc_movie_ticket_us"), 422, "points_not_whole"),  # 44.97
        # The product's denominations come before the points: 11 USD (1,100 > 1,000 points) is not sold.
        (p["id"], m, redeem_body(11), 422, "invalid_denomination"),
        (p["id"], m, redeem_body(5, currency="EUR"), 422, "redemption_currency_mismatch"),
        (p["id"], m, redeem_body(5, product_id="no_such_product"), 404, "product_not_found"),
        (p["id"], m, redeem_body(0), 422, "validation_error"),
        (p["id"], m, redeem_body(-5), 422, "validation_error"),
        (p["id"], m, redeem_body("1.001"), 422, "validation_error"),
        (p["id"], m, redeem_body(10, metadata={"sandbox": "nope"}), 422, "invalid_sandbox_value"),
        (p["id"], m, {**redeem_body(5), "extra": 1}, 422, "validation_error"),
        (p["id"], "nobody", redeem_body(5), 404, "points_member_not_found"),
        ("ppg_nope", m, redeem_body(5), 404, "points_program_not_found"),
    ]
    for program_id, member_id, body, status, code in cases:
        problem(await redeem(client, org, program_id, member_id, body), status, code)
    # Another org's program is not found, whoever asks.
    problem(await redeem(client, other, p["id"], m, redeem_body(5)), 404, "points_program_not_found")
    assert await counts(ctx) == before and await usd(client, org) == wallet
    assert await balance(client, org, p["id"], m) == (1000, 0)
    assert (await show(client, org, odd["id"], m))["balance"]["available"] == 1000
    # 10.02 at 3 points per unit is 30.06: still not whole; 10.00 is 30 points.
    r = await redeem(client, org, odd["id"], m, redeem_body("10.00"))
    assert r.status_code == 200 and r.json()["points"] == 30, r.text


async def test_wallet_short_refuses_and_keeps_the_points(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await credit(client, org, p["id"], m, 5000)
    problem(await redeem(client, org, p["id"], m, redeem_body(25)), 402, "insufficient_funds")
    assert await balance(client, org, p["id"], m) == (5000, 0) and await usd(client, org) == 1000


# --- the race ----------------------------------------------------------------------------------------


async def test_ten_concurrent_redemptions_make_exactly_one_order(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime
) -> None:
    for funding in ("on_redemption", "prefunded"):
        p = await program(client, org, funding=funding)
        m = await member(client, org, p["id"])
        await credit(client, org, p["id"], m, 2500)
        orders_before = (await counts(ctx))[0]
        rs = await asyncio.gather(*[redeem(client, org, p["id"], m, redeem_body(25)) for _ in range(10)])
        assert sorted(r.status_code for r in rs) == [200] + [422] * 9, [r.text for r in rs]
        assert {r.json()["code"] for r in rs if r.status_code == 422} == {"insufficient_points"}
        assert (await counts(ctx))[0] == orders_before + 1
        assert await balance(client, org, p["id"], m) == (0, 0)


@pytest.mark.usefixtures("short_wait")
async def test_a_redemptions_debit_refuses_a_reversal_by_hand(client: httpx.AsyncClient, org: OrgHandle) -> None:
    """Reversing it would give the points back while the member keeps the voucher (and a prefunded org
    would pay twice): only the order's refund or cancelation returns them, fulfilled or processing."""
    for funding, sandbox in (("on_redemption", {}), ("prefunded", {"sandbox": "slow:300"})):
        p = await program(client, org, funding=funding)
        m = await member(client, org, p["id"])
        await credit(client, org, p["id"], m, 3000)
        r = await redeem(client, org, p["id"], m, redeem_body(25, metadata=sandbox))
        assert r.status_code in (200, 202), r.text
        out = r.json()
        wallet, held = await usd(client, org), await backing(client, org, p["id"])
        again = await client.post(f"/v1/points_transactions/{out['transaction']['id']}/reverse", headers=org.h())
        body = problem(again, 409, "points_redemption_not_reversible")
        assert out["order"]["id"] in body["detail"] and "cancel" in body["detail"]
        assert await balance(client, org, p["id"], m) == (500, 0)
        assert (await usd(client, org), await backing(client, org, p["id"])) == (wallet, held)
        assert [t["type"] for t in await history(client, org, p["id"], m)] == ["debit", "credit"]
