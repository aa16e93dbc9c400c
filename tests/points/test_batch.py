"""Batch credits (#14): up to 1,000 items, one result per item, failing items not stopping the others,
unknown members refused, one Idempotency-Key for the batch, 1,001 items a 422 writing nothing."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from rewardkit.points.models import PointsLot, PointsTransaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, balance, credit, member, problem, program, usd


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


def item(member_id: str, points: int = 100, **over: Any) -> dict[str, Any]:
    return {"member_id": member_id, "points": points, "reference": "b-" + secrets.token_hex(6), **over}


async def send(
    client: httpx.AsyncClient, org: OrgHandle, program_id: str, items: list[Any], **h: str
) -> httpx.Response:
    return await client.post(f"{P}/{program_id}/credits/batch", json={"credits": items}, headers=org.h(**h))


async def counts(ctx: Runtime) -> tuple[int, int]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        a = (await s.execute(select(func.count()).select_from(PointsTransaction))).scalar_one()
        b = (await s.execute(select(func.count()).select_from(PointsLot))).scalar_one()
    return int(a), int(b)


async def test_batch_credits_each_item_or_its_problem(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    a, b = await member(client, org, p["id"]), await member(client, org, p["id"])
    old = await credit(client, org, p["id"], a, 7, reference="old-ref")
    items: list[Any] = [
        item(a, 100, reason="campaign"),
        item("nobody"),  # unknown members are refused, never created
        item(b, 0),  # validation
        item(b, 250),
        {"member_id": a, "points": 7, "reference": "old-ref"},  # replay of a credit made before
        {"member_id": a, "points": 8, "reference": "old-ref"},  # the same reference, another request
        "not an object",
        item(b, 5, expires_at="2020-01-01T00:00:00Z"),  # in the past
    ]
    items.append({**items[3]})  # the same reference twice in one batch
    r = await send(client, org, p["id"], items)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["object"] == "points_credit_batch" and out["program_id"] == p["id"]
    assert [d["status"] for d in out["data"]] == [
        "credited",
        "failed",
        "failed",
        "credited",
        "replayed",
        "failed",
        "failed",
        "failed",
        "failed",
    ]
    codes = [d["error"]["code"] if d["error"] else None for d in out["data"]]
    assert codes == [
        None,
        "points_member_not_found",
        "validation_error",
        None,
        None,
        "reference_reused",
        "validation_error",
        "validation_error",
        "reference_reused",
    ]
    assert out["data"][2]["error"]["errors"][0]["pointer"] == "/credits/2/points"
    assert out["data"][4]["transaction"]["id"] == old["id"]
    # The replay is told apart and kept out of what this batch credited.
    assert out["credited"] == 2 and out["replayed"] == 1 and out["failed"] == 6 and out["points"] == 350
    assert await balance(client, org, p["id"], a) == (107, 0)
    assert await balance(client, org, p["id"], b) == (250, 0)


async def test_batch_of_1000_and_1001(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org)
    ms = [await member(client, org, p["id"]) for _ in range(5)]
    before = await counts(ctx)
    problem(await send(client, org, p["id"], [item(ms[i % 5]) for i in range(1001)]), 422, "validation_error")
    problem(await send(client, org, p["id"], []), 422, "validation_error")
    assert await counts(ctx) == before
    full = [item(ms[i % 5], 1) for i in range(1000)]
    assert len(orjson.dumps({"credits": full})) > 64 * 1024  # over the global body cap: the batch's own cap
    r = await send(client, org, p["id"], full)
    assert r.status_code == 200, r.text
    assert r.json()["credited"] == 1000 and r.json()["points"] == 1000
    assert [await balance(client, org, p["id"], m) for m in ms] == [(200, 0)] * 5


async def test_batch_idempotency_and_other_org(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, make_org: MakeOrg
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    items = [item(m, 10), item(m, 20)]
    key = "pcb-" + secrets.token_hex(8)
    r1 = await send(client, org, p["id"], items, **{"Idempotency-Key": key})
    r2 = await send(client, org, p["id"], items, **{"Idempotency-Key": key})
    assert r1.status_code == r2.status_code == 200 and r2.json() == r1.json()
    assert r2.headers.get("idempotent-replayed") == "true"
    problem(await send(client, org, p["id"], [item(m)], **{"Idempotency-Key": key}), 422, "idempotency_key_reused")
    assert await balance(client, org, p["id"], m) == (30, 0)
    other = await make_org(USD="1.00")
    before = await counts(ctx)
    problem(await send(client, other, p["id"], [item(m)]), 404, "points_program_not_found")
    problem(await send(client, org, "ppg_nope", [item(m)]), 404, "points_program_not_found")
    assert await counts(ctx) == before


async def test_prefunded_batch_stops_items_the_wallet_does_not_cover(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="10.00")
    p = await program(client, org, funding="prefunded")
    m = await member(client, org, p["id"])
    r = await send(client, org, p["id"], [item(m, 600), item(m, 600), item(m, 400)])
    assert r.status_code == 200, r.text
    assert [d["status"] for d in r.json()["data"]] == ["credited", "failed", "credited"]
    assert r.json()["data"][1]["error"]["code"] == "insufficient_funds"
    assert await balance(client, org, p["id"], m) == (1000, 0) and await usd(client, org) == 0
