"""Activities (#14): the credits earning rules produce, caps exactly at their edges (per member, per
UTC day and month), active windows, idempotency by reference, and bad inputs that write nothing."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rewardkit.points import movements
from rewardkit.points.models import PointsActivity, PointsLot, PointsRuleCredit, PointsTransaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, balance, history, member, problem, program

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(movements, "now", lambda: NOW)


async def counts(ctx: Runtime) -> tuple[int, ...]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return tuple(
            [
                int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                for t in (PointsActivity, PointsRuleCredit, PointsTransaction, PointsLot)
            ]
        )


async def add_rule(client: httpx.AsyncClient, org: OrgHandle, program_id: str, **body: Any) -> dict[str, Any]:
    body = {"event_type": "task.completed", "points": {"fixed": 50}, **body}
    r = await client.post(f"{P}/{program_id}/rules", json=body, headers=org.h())
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def post(client: httpx.AsyncClient, org: OrgHandle, program_id: str, **body: Any) -> httpx.Response:
    body = {"event_type": "task.completed", "reference": "a-" + secrets.token_hex(6), **body}
    return await client.post(f"{P}/{program_id}/activities", json=body, headers=org.h())


async def activity(client: httpx.AsyncClient, org: OrgHandle, program_id: str, **body: Any) -> dict[str, Any]:
    r = await post(client, org, program_id, **body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_activity_credits_every_matching_rule(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    fixed = await add_rule(client, org, p["id"], description="Order bonus", event_type="order.paid")
    per = await add_rule(
        client,
        org,
        p["id"],
        event_type="order.paid",
        points={"per_unit": {"property": "amount", "points": 2}},
        conditions=[{"property": "channel", "op": "in", "value": ["web", "app"]}],
    )
    await add_rule(client, org, p["id"], event_type="order.refunded")  # another event type: not matched
    a = await activity(
        client, org, p["id"], member_id=m, event_type="order.paid", properties={"amount": 42.75, "channel": "web"}
    )
    assert a["id"].startswith("pac_") and a["object"] == "points_activity" and a["member_id"] == m
    assert a["occurred_at"].startswith("2026-06-15T12:00:00") and a["points"] == 50 + 85
    assert [(c["rule_id"], c["points"], c["requested_points"]) for c in a["credits"]] == [
        (fixed["id"], 50, 50),
        (per["id"], 85, 85),
    ]
    assert await balance(client, org, p["id"], m) == (135, 0)
    txs = {t["id"]: t for t in await history(client, org, p["id"], m)}
    for c in a["credits"]:
        t = txs[c["transaction_id"]]
        assert t["type"] == "credit" and t["points"] == c["points"] and t["reference"] == f"{a['id']}:{c['rule_id']}"
    assert txs[a["credits"][0]["transaction_id"]]["reason"] == "Order bonus"
    # The condition fails on another channel: only the fixed rule.
    b = await activity(
        client, org, p["id"], member_id=m, event_type="order.paid", properties={"amount": 10, "channel": "pos"}
    )
    assert [c["rule_id"] for c in b["credits"]] == [fixed["id"]] and b["points"] == 50
    listed = (await client.get(f"{P}/{p['id']}/activities", headers=org.h())).json()
    assert [x["id"] for x in listed["data"]] == [b["id"], a["id"]] and listed["data"][1] == a
    other = await member(client, org, p["id"])
    only = await client.get(f"{P}/{p['id']}/activities", params={"member_id": other}, headers=org.h())
    assert only.json()["data"] == []


async def test_unmatched_activity_is_recorded_and_credits_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"], conditions=[{"property": "level", "op": "gt", "value": 5}])
    before = await counts(ctx)
    a = await activity(client, org, p["id"], member_id=m, event_type="nothing.here")
    assert a["credits"] == [] and a["points"] == 0
    b = await activity(client, org, p["id"], member_id=m, properties={"level": 5})
    assert b["credits"] == [] and b["points"] == 0
    assert await counts(ctx) == (before[0] + 2, before[1], before[2], before[3])
    assert await balance(client, org, p["id"], m) == (0, 0)


async def test_per_unit_rounding_to_zero_lists_the_rule_without_a_credit(
    client: httpx.AsyncClient, org: OrgHandle
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    rule = await add_rule(client, org, p["id"], points={"per_unit": {"property": "amount", "points": 1, "per": 10}})
    a = await activity(client, org, p["id"], member_id=m, properties={"amount": 9.99})
    assert a["credits"] == [{"rule_id": rule["id"], "points": 0, "requested_points": 0, "transaction_id": None}]
    a = await activity(client, org, p["id"], member_id=m, properties={"amount": 25})
    assert a["points"] == 2


async def test_daily_cap_at_its_edges(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    rule = await add_rule(client, org, p["id"], points={"fixed": 40}, daily_cap=100)
    day = datetime(2026, 6, 14, tzinfo=UTC)
    got = []
    for when in (
        day,
        day + timedelta(hours=12),
        day + timedelta(hours=23, minutes=59, seconds=59, microseconds=999999),
    ):
        a = await activity(client, org, p["id"], member_id=m, occurred_at=when.isoformat())
        got.append(
            (a["credits"][0]["points"], a["credits"][0]["requested_points"], a["credits"][0]["transaction_id"] is None)
        )
    assert got == [(40, 40, False), (40, 40, False), (20, 40, False)]  # the third is reduced to the cap
    a = await activity(client, org, p["id"], member_id=m, occurred_at=(day + timedelta(hours=23)).isoformat())
    assert a["credits"] == [{"rule_id": rule["id"], "points": 0, "requested_points": 40, "transaction_id": None}]
    # The next UTC day starts afresh; so does another member.
    a = await activity(client, org, p["id"], member_id=m, occurred_at=(day + timedelta(days=1)).isoformat())
    assert a["points"] == 40
    other = await member(client, org, p["id"])
    assert (await activity(client, org, p["id"], member_id=other, occurred_at=day.isoformat()))["points"] == 40
    assert await balance(client, org, p["id"], m) == (140, 0)


async def test_cap_reached_exactly(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"], points={"fixed": 40}, daily_cap=80)
    assert [(await activity(client, org, p["id"], member_id=m))["points"] for _ in range(3)] == [40, 40, 0]


async def test_monthly_cap_at_its_edges(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"], points={"fixed": 60}, daily_cap=100, monthly_cap=150)
    june = [datetime(2026, 6, d, tzinfo=UTC) for d in (1, 2, 3, 4)]
    got = [(await activity(client, org, p["id"], member_id=m, occurred_at=d.isoformat()))["points"] for d in june]
    assert got == [60, 60, 30, 0]
    # May's last instant is May; June 1st 00:00 is June.
    last_may = datetime(2026, 6, 1, tzinfo=UTC) - timedelta(microseconds=1)
    assert (await activity(client, org, p["id"], member_id=m, occurred_at=last_may.isoformat()))["points"] == 60


async def test_concurrent_activities_never_pass_a_cap(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"], points={"fixed": 30}, daily_cap=100)
    rs = await asyncio.gather(*(post(client, org, p["id"], member_id=m) for _ in range(6)))
    assert all(r.status_code == 200 for r in rs), [r.text for r in rs]
    assert sorted(r.json()["points"] for r in rs) == [0, 0, 10, 30, 30, 30]
    assert await balance(client, org, p["id"], m) == (100, 0)


async def test_active_window(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    start = datetime(2026, 6, 10, tzinfo=UTC)
    await add_rule(client, org, p["id"], starts_at=start.isoformat(), ends_at=(start + timedelta(days=2)).isoformat())
    for when, points in (
        (start - timedelta(microseconds=1), 0),
        (start, 50),
        (start + timedelta(days=2) - timedelta(microseconds=1), 50),
        (start + timedelta(days=2), 0),
    ):
        a = await activity(client, org, p["id"], member_id=m, occurred_at=when.isoformat())
        assert a["points"] == points, when


async def test_deleted_and_patched_rules_apply_from_then_on(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    rule = await add_rule(client, org, p["id"])
    first = await activity(client, org, p["id"], member_id=m)
    await client.patch(f"{P}/{p['id']}/rules/{rule['id']}", json={"points": {"fixed": 7}}, headers=org.h())
    assert (await activity(client, org, p["id"], member_id=m))["points"] == 7
    await client.delete(f"{P}/{p['id']}/rules/{rule['id']}", headers=org.h())
    assert (await activity(client, org, p["id"], member_id=m))["credits"] == []
    listed = (await client.get(f"{P}/{p['id']}/activities", params={"limit": 100}, headers=org.h())).json()
    assert listed["data"][-1] == first  # history keeps naming the deleted rule


async def test_reference_replays_or_conflicts(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"])
    body = {"member_id": m, "properties": {"n": 1}, "reference": "task-1"}
    r1 = await post(client, org, p["id"], **body)
    r2 = await post(client, org, p["id"], **body)
    assert r1.status_code == r2.status_code == 200 and r2.json() == r1.json()
    assert r2.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in r1.headers
    before = await counts(ctx)
    for change in ({"properties": {"n": 2}}, {"event_type": "other"}, {"occurred_at": "2026-06-15T11:00:00Z"}):
        got = problem(await post(client, org, p["id"], **{**body, **change}), 409, "reference_reused")
        assert got["activity_id"] == r1.json()["id"]
    assert await counts(ctx) == before
    assert await balance(client, org, p["id"], m) == (50, 0)
    # A reference is per program: another program may use it.
    q = await program(client, org)
    await member(client, org, q["id"], m)
    assert (await post(client, org, q["id"], **body)).status_code == 200


async def test_concurrent_same_reference_records_once(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"])
    rs = await asyncio.gather(*(post(client, org, p["id"], member_id=m, reference="same") for _ in range(5)))
    assert all(r.status_code == 200 for r in rs), [r.text for r in rs]
    assert len({r.json()["id"] for r in rs}) == 1
    assert await balance(client, org, p["id"], m) == (50, 0)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"member_id": "nobody"}, 404, "points_member_not_found"),
        ({"member_id": "bad id!"}, 422, "validation_error"),
        ({"occurred_at": (NOW + timedelta(minutes=6)).isoformat()}, 422, "validation_error"),
        ({"occurred_at": (NOW - timedelta(days=31)).isoformat()}, 422, "validation_error"),
        ({"occurred_at": "2026-06-15T12:00:00"}, 422, "validation_error"),
        ({"properties": {"nested": {"a": 1}}}, 422, "validation_error"),
        ({"properties": {"list": [1, 2]}}, 422, "validation_error"),
        ({"properties": {"": 1}}, 422, "validation_error"),
        ({"properties": {"big": 10**20}}, 422, "validation_error"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, 422, "validation_error"),
        ({"reference": ""}, 422, "validation_error"),
        ({"reference": "x" * 81}, 422, "validation_error"),
        ({"event_type": "bad type"}, 422, "validation_error"),
        ({"points": 50}, 422, "validation_error"),
    ],
)
async def test_bad_activities_write_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, change: dict[str, Any], status: int, code: str
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"])
    before = await counts(ctx)
    problem(await post(client, org, p["id"], **{"member_id": m, **change}), status, code)
    assert await counts(ctx) == before


async def test_foreign_and_unknown_programs(
    client: httpx.AsyncClient, org: OrgHandle, make_org: MakeOrg, ctx: Runtime
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await add_rule(client, org, p["id"])
    other = await make_org(USD="1.00")
    before = await counts(ctx)
    for headers, prog in ((other.h(), p["id"]), (org.h("live"), p["id"]), (org.h(), "ppg_nope")):
        body = {"member_id": m, "event_type": "task.completed", "reference": "x"}
        r = await client.post(f"{P}/{prog}/activities", json=body, headers=headers)
        problem(r, 404, "points_program_not_found")
        problem(await client.get(f"{P}/{prog}/activities", headers=headers), 404, "points_program_not_found")
    assert await counts(ctx) == before


async def test_prefunded_activity_beyond_the_wallet_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    poor = await make_org(USD="1.00")
    p = await program(client, poor, funding="prefunded")
    m = await member(client, poor, p["id"])
    await add_rule(client, poor, p["id"], points={"fixed": 60})
    await add_rule(client, poor, p["id"], points={"fixed": 60})  # 120 points = 1.20 USD > 1.00
    before = await counts(ctx)
    problem(await post(client, poor, p["id"], member_id=m), 402, "insufficient_funds")
    assert await counts(ctx) == before
    assert await balance(client, poor, p["id"], m) == (0, 0)
