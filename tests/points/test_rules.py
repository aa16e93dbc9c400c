"""Earning rules (#14): CRUD, every bad input a 4xx that writes nothing, the safe conditions and the
exact per-unit arithmetic (unit tests of rules.matches / points_for)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rewardkit.points import rules
from rewardkit.points.models import PointsActivity, PointsRule, PointsTransaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, problem, program


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


def rule_body(**over: Any) -> dict[str, Any]:
    return {"event_type": "task.completed", "points": {"fixed": 50}, **over}


async def counts(ctx: Runtime) -> tuple[int, ...]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return tuple(
            [
                int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                for t in (PointsRule, PointsActivity, PointsTransaction)
            ]
        )


async def test_rule_crud(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    url = f"{P}/{p['id']}/rules"
    body = rule_body(
        description="Task done",
        conditions=[{"property": "difficulty", "op": "gte", "value": 3}],
        daily_cap=100,
        monthly_cap=1000,
        starts_at="2026-01-01T00:00:00Z",
    )
    r = await client.post(url, json=body, headers=org.h())
    assert r.status_code == 200, r.text
    rule = r.json()
    assert rule["id"].startswith("prl_") and rule["object"] == "points_rule" and rule["program_id"] == p["id"]
    assert rule["points"] == {"fixed": 50, "per_unit": None} and rule["daily_cap"] == 100
    assert rule["conditions"] == [{"property": "difficulty", "op": "gte", "value": 3}]
    assert (await client.get(f"{url}/{rule['id']}", headers=org.h())).json() == rule
    per = {"per_unit": {"property": "amount", "points": 2}}
    r = await client.patch(f"{url}/{rule['id']}", json={"points": per, "daily_cap": None}, headers=org.h())
    assert r.status_code == 200, r.text
    assert r.json()["points"] == {"fixed": None, "per_unit": {"property": "amount", "points": 2, "per": 1}}
    assert r.json()["daily_cap"] is None and r.json()["monthly_cap"] == 1000
    second = (await client.post(url, json=rule_body(), headers=org.h())).json()
    listed = (await client.get(url, params={"limit": 1}, headers=org.h())).json()
    assert [x["id"] for x in listed["data"]] == [second["id"]] and listed["has_more"]
    nxt = await client.get(url, params={"limit": 1, "cursor": listed["next_cursor"]}, headers=org.h())
    assert [x["id"] for x in nxt.json()["data"]] == [rule["id"]]
    r = await client.delete(f"{url}/{rule['id']}", headers=org.h())
    assert r.json() == {"id": rule["id"], "object": "points_rule", "deleted": True}
    problem(await client.get(f"{url}/{rule['id']}", headers=org.h()), 404, "points_rule_not_found")
    problem(await client.delete(f"{url}/{rule['id']}", headers=org.h()), 404, "points_rule_not_found")
    assert [x["id"] for x in (await client.get(url, headers=org.h())).json()["data"]] == [second["id"]]


@pytest.mark.parametrize(
    "body",
    [
        rule_body(points={"fixed": -5}),
        rule_body(points={"fixed": 0}),
        rule_body(points={"fixed": 1.5}),
        rule_body(points={"fixed": "50"}),
        rule_body(points={}),
        rule_body(points={"fixed": 5, "per_unit": {"property": "amount", "points": 1}}),
        rule_body(points={"per_unit": {"property": "amount", "points": -1}}),
        rule_body(points={"per_unit": {"property": "amount", "points": 1, "per": 0}}),
        rule_body(conditions=[{"property": "x", "op": "regex", "value": ".*"}]),
        rule_body(conditions=[{"property": "x", "op": "__import__", "value": "os"}]),
        rule_body(conditions=[{"property": "x", "op": "gt", "value": "ten"}]),
        rule_body(conditions=[{"property": "x", "op": "in", "value": 3}]),
        rule_body(conditions=[{"property": "x", "op": "in", "value": []}]),
        rule_body(conditions=[{"property": "x", "op": "eq", "value": [1]}]),
        rule_body(conditions=[{"property": "x", "op": "eq", "value": {"a": 1}}]),
        rule_body(conditions=[{"property": "x", "op": "eq"}]),
        rule_body(daily_cap=0),
        rule_body(monthly_cap=-1),
        rule_body(starts_at="2026-02-01T00:00:00Z", ends_at="2026-01-01T00:00:00Z"),
        rule_body(starts_at="2026-02-01T00:00:00"),
        rule_body(event_type=""),
        rule_body(event_type="has space"),
        rule_body(extra=1),
        {"points": {"fixed": 5}},
    ],
)
async def test_bad_rules_write_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, body: dict[str, Any]
) -> None:
    p = await program(client, org)
    before = await counts(ctx)
    problem(await client.post(f"{P}/{p['id']}/rules", json=body, headers=org.h()), 422, "validation_error")
    assert await counts(ctx) == before


async def test_bad_patches_write_nothing(client: httpx.AsyncClient, org: OrgHandle) -> None:
    p = await program(client, org)
    url = f"{P}/{p['id']}/rules"
    rule = (await client.post(url, json=rule_body(starts_at="2026-03-01T00:00:00Z"), headers=org.h())).json()
    for body in (
        {"ends_at": "2026-02-01T00:00:00Z"},
        {"points": None},
        {"event_type": None},
        {"conditions": [{"property": "x", "op": "like", "value": 1}]},
        {"points": {"fixed": -1}},
    ):
        problem(await client.patch(f"{url}/{rule['id']}", json=body, headers=org.h()), 422, "validation_error")
    assert (await client.get(f"{url}/{rule['id']}", headers=org.h())).json() == rule


async def test_unknown_and_foreign(client: httpx.AsyncClient, org: OrgHandle, make_org: MakeOrg, ctx: Runtime) -> None:
    p = await program(client, org)
    q = await program(client, org)
    other = await make_org(USD="1.00")
    rule = (await client.post(f"{P}/{p['id']}/rules", json=rule_body(), headers=org.h())).json()
    before = await counts(ctx)
    for headers, prog in ((other.h(), p["id"]), (org.h("live"), p["id"]), (org.h(), "ppg_nope")):
        url = f"{P}/{prog}/rules"
        problem(await client.post(url, json=rule_body(), headers=headers), 404, "points_program_not_found")
        problem(await client.get(url, headers=headers), 404, "points_program_not_found")
        problem(await client.get(f"{url}/{rule['id']}", headers=headers), 404, "points_program_not_found")
        problem(
            await client.patch(f"{url}/{rule['id']}", json={"daily_cap": 1}, headers=headers),
            404,
            "points_program_not_found",
        )
        problem(await client.delete(f"{url}/{rule['id']}", headers=headers), 404, "points_program_not_found")
    # A rule through another program of the same org is not found either.
    problem(await client.get(f"{P}/{q['id']}/rules/{rule['id']}", headers=org.h()), 404, "points_rule_not_found")
    problem(await client.delete(f"{P}/{q['id']}/rules/{rule['id']}", headers=org.h()), 404, "points_rule_not_found")
    problem(await client.get(f"{P}/{p['id']}/rules/prl_nope", headers=org.h()), 404, "points_rule_not_found")
    assert await counts(ctx) == before
    assert (await client.get(f"{P}/{p['id']}/rules/{rule['id']}", headers=org.h())).json() == rule


# --- evaluation, without HTTP ----------------------------------------------------------------------


def _rule(**over: Any) -> PointsRule:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": "prl_x",
        "event_type": "e",
        "points_fixed": None,
        "per_unit_property": "amount",
        "per_unit_points": 2,
        "per_unit_per": 1,
        "conditions": [],
        "starts_at": None,
        "ends_at": None,
        "deleted_at": None,
        "created_at": now,
    }
    return PointsRule(**{**fields, **over})


@pytest.mark.parametrize(
    ("amount", "points", "per", "expected"),
    [
        (10, 2, 1, 20),
        (10.5, 2, 1, 21),
        (0.1, 3, 1, 0),  # 0.3 rounds down
        (0.7, 3, 1, 2),  # 2.1 down to 2, never 2.0999… from binary floats
        (19.99, 1, 10, 1),  # one point per 10 units: 1.999 -> 1
        (20, 1, 10, 2),
        (0, 5, 1, 0),
        (-5, 5, 1, 0),
        ("12", 5, 1, 0),  # a string is not a number
        (True, 5, 1, 0),  # nor is a boolean
        (None, 5, 1, 0),
        (1.1, 3, 1, 3),  # 3.3000000000000003 in floats; 3.3 exactly here -> 3
        (2.675, 100, 1, 267),
        (10**15, 10**9, 1, 10**12),  # clamped to MAX_POINTS
        (1e308, 10**9, 1, 10**12),  # no decimal overflow: clamped
        (5e-324, 10**9, 1, 0),
    ],
)
def test_per_unit_is_exact_and_rounds_down(amount: Any, points: int, per: int, expected: int) -> None:
    rule = _rule(per_unit_points=points, per_unit_per=per)
    props = {} if amount is None else {"amount": amount}
    assert rules.points_for(rule, props) == expected


@pytest.mark.parametrize(
    ("op", "value", "have", "expected"),
    [
        ("eq", "gold", "gold", True),
        ("eq", 1, 1.0, True),
        ("eq", 1, True, False),
        ("eq", "1", 1, False),
        ("neq", "gold", "silver", True),
        ("neq", "gold", "gold", False),
        ("gt", 10, 10, False),
        ("gt", 10, 10.01, True),
        ("gte", 10, 10, True),
        ("lt", 10, 10, False),
        ("lte", 10, 10, True),
        ("lt", 10, "9", False),  # ordering compares numbers only
        ("in", ["web", "app"], "app", True),
        ("in", ["web", "app"], "pos", False),
        ("in", [1, 2], 2.0, True),
    ],
)
def test_conditions(op: str, value: Any, have: Any, expected: bool) -> None:
    assert rules.holds({"property": "x", "op": op, "value": value}, {"x": have}) is expected


def test_missing_property_fails_every_operator() -> None:
    for op in ("eq", "neq", "gt", "in"):
        assert rules.holds({"property": "x", "op": op, "value": [1] if op == "in" else 1}, {}) is False


def test_active_window_is_half_open() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    rule = _rule(starts_at=start, ends_at=start + timedelta(days=1))
    assert not rules.matches(rule, "e", {}, start - timedelta(microseconds=1))
    assert rules.matches(rule, "e", {}, start)
    assert rules.matches(rule, "e", {}, start + timedelta(days=1) - timedelta(microseconds=1))
    assert not rules.matches(rule, "e", {}, start + timedelta(days=1))
    assert not rules.matches(rule, "other", {}, start)
