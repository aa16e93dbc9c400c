"""Tiers (#14): from points EARNED in a window, never the balance (open-loyalty#131); up at once, down
at once or at the end of the period; `points.tier_changed` on credit, reversal and the re-evaluation job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rewardkit.jobs.models import Job
from rewardkit.points import movements, tiers
from rewardkit.points.models import PointsMember, PointsMemberTier, PointsTierPolicy
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import P, credit, debit, member, problem, program, show

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TIERS = [{"name": "Silver", "min_points": 100}, {"name": "Gold", "min_points": 500}]


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = NOW
        monkeypatch.setattr(movements, "now", lambda: self.at)
        monkeypatch.setattr(tiers, "now", lambda: self.at)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="100.00")


async def put(client: httpx.AsyncClient, org: OrgHandle, program_id: str, **body: Any) -> dict[str, Any]:
    r = await client.put(f"{P}/{program_id}/tiers", json={"tiers": TIERS, **body}, headers=org.h())
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def tier(client: httpx.AsyncClient, org: OrgHandle, program_id: str, m: str) -> Any:
    return (await show(client, org, program_id, m))["tier"]


async def changes(client: httpx.AsyncClient, org: OrgHandle, m: str) -> list[tuple[Any, Any, str]]:
    events = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()["data"]
    got = [e["data"] for e in events if e["type"] == "points.tier_changed" and e["data"]["member_id"] == m]
    return [(d["previous_tier"], d["tier"], d["cause"]) for d in reversed(got)]


async def tier_jobs(ctx: Runtime, program_id: str, m: str) -> list[Job]:
    """The member's queued end_of_period checks (keyed by its row's id)."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        pk = (
            await s.execute(
                select(PointsMember.id).where(PointsMember.program_id == program_id, PointsMember.member_id == m)
            )
        ).scalar_one()
        return list((await s.execute(select(Job).where(Job.unique_key.like(f"points_tier:{pk}:%")))).scalars())


async def counts(ctx: Runtime) -> tuple[int, ...]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return tuple(
            [
                int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                for t in (PointsTierPolicy, PointsMemberTier, Job)
            ]
        )


async def test_tiers_follow_points_earned_not_the_balance(
    client: httpx.AsyncClient, org: OrgHandle, clock: Clock
) -> None:
    p = await program(client, org, expiry={"months": 1})
    m = await member(client, org, p["id"])
    assert await tier(client, org, p["id"], m) is None  # no tiers on the program
    body = await put(client, org, p["id"])
    assert body["object"] == "points_tiers" and body["tiers"] == TIERS and body["downgrade"] == "immediate"
    assert (await client.get(f"{P}/{p['id']}/tiers", headers=org.h())).json() == body
    assert (await tier(client, org, p["id"], m))["name"] is None
    await credit(client, org, p["id"], m, 99)
    assert (await tier(client, org, p["id"], m))["name"] is None
    c = await credit(client, org, p["id"], m, 1)  # 100 earned: exactly Silver's minimum
    t = await tier(client, org, p["id"], m)
    assert t["name"] == "Silver" and t["earned"] == 100 and t["downgrade_at"] is None
    # Spending and expiry lower the balance, never the tier.
    assert (await debit(client, org, p["id"], m, 100)).status_code == 200
    assert (await tier(client, org, p["id"], m))["name"] == "Silver"
    await credit(client, org, p["id"], m, 400)
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    # A reversed credit was never earned: down at once (immediate).
    r = await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=org.h())
    assert r.status_code == 200, r.text
    assert (await tier(client, org, p["id"], m))["name"] == "Silver"
    assert await changes(client, org, m) == [
        (None, "Silver", "credit"),
        ("Silver", "Gold", "credit"),
        ("Gold", "Silver", "reversal"),
    ]


async def test_end_of_period_downgrade_waits_for_the_month_end(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, clock: Clock
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"], downgrade="end_of_period", window_months=1)
    await credit(client, org, p["id"], m, 500)
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    # A month later the credit leaves the window: the sweep finds 0 earned, the tier waits for August.
    clock.at = datetime(2026, 7, 16, 12, 0, tzinfo=UTC)
    await tiers.tiers_job(ctx, {"program_id": p["id"]})
    t = await tier(client, org, p["id"], m)
    due = datetime(2026, 8, 1, tzinfo=UTC)
    assert t["name"] == "Gold" and t["earned"] == 0 and datetime.fromisoformat(t["downgrade_at"]) == due
    job = await tier_jobs(ctx, p["id"], m)
    assert [j.run_at for j in job] == [due]
    clock.at = due - timedelta(microseconds=1)
    assert await tiers.tiers_job(ctx, job[0].payload) == "evaluated"
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    clock.at = due
    assert await tiers.tiers_job(ctx, job[0].payload) == "evaluated"
    t = await tier(client, org, p["id"], m)
    assert t["name"] is None and t["downgrade_at"] is None
    assert await changes(client, org, m) == [(None, "Gold", "credit"), ("Gold", None, "reevaluation")]


async def test_end_of_period_earning_back_cancels_the_downgrade(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, clock: Clock
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"], downgrade="end_of_period", window_months=1)
    await credit(client, org, p["id"], m, 500)
    clock.at = datetime(2026, 7, 16, 12, 0, tzinfo=UTC)
    await tiers.tiers_job(ctx, {"program_id": p["id"]})
    assert (await tier(client, org, p["id"], m))["downgrade_at"] is not None
    await credit(client, org, p["id"], m, 500)
    t = await tier(client, org, p["id"], m)
    assert t["name"] == "Gold" and t["downgrade_at"] is None
    clock.at = datetime(2026, 8, 1, tzinfo=UTC)
    [job] = await tier_jobs(ctx, p["id"], m)
    await tiers.tiers_job(ctx, job.payload)
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    assert await changes(client, org, m) == [(None, "Gold", "credit")]


async def test_a_reversal_takes_the_tier_it_bought_at_once_even_at_end_of_period(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, clock: Clock
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"], downgrade="end_of_period")
    await credit(client, org, p["id"], m, 100)
    c = await credit(client, org, p["id"], m, 400)
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    r = await client.post(f"/v1/points_transactions/{c['id']}/reverse", headers=org.h())
    assert r.status_code == 200, r.text
    t = await tier(client, org, p["id"], m)
    assert t["name"] == "Silver" and t["earned"] == 100 and t["downgrade_at"] is None
    assert await tier_jobs(ctx, p["id"], m) == []
    assert await changes(client, org, m) == [
        (None, "Silver", "credit"),
        ("Silver", "Gold", "credit"),
        ("Gold", "Silver", "reversal"),
    ]


async def test_window_slides_and_the_sweep_downgrades(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, clock: Clock
) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"], window_months=12)
    await credit(client, org, p["id"], m, 100)
    clock.at = NOW + timedelta(days=200)
    await credit(client, org, p["id"], m, 400)
    assert (await tier(client, org, p["id"], m))["name"] == "Gold"
    # A year after the first credit, it leaves the window: 400 earned in the last 12 months.
    clock.at = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)
    assert await tiers.tiers_job(ctx, {"program_id": p["id"]}) == "swept 1 members"
    t = await tier(client, org, p["id"], m)
    assert t["name"] == "Silver" and t["earned"] == 400
    # The sweep queued its next run a day later.
    async with ctx.db.unit_of_work(readonly=True) as s:
        nxt = (await s.execute(select(Job).where(Job.unique_key == f"points_tiers:{p['id']}:2027-06-16"))).scalar_one()
    assert nxt.run_at == clock.at + timedelta(days=1)
    assert await tiers.tiers_job(ctx, {"program_id": p["id"]}) == "swept 1 members"  # twice a day: harmless
    assert await changes(client, org, m) == [
        (None, "Silver", "credit"),
        ("Silver", "Gold", "credit"),
        ("Gold", "Silver", "reevaluation"),
    ]


async def test_activity_credits_raise_the_tier(client: httpx.AsyncClient, org: OrgHandle, clock: Clock) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"])
    rule = {"event_type": "task.completed", "points": {"fixed": 100}}
    assert (await client.post(f"{P}/{p['id']}/rules", json=rule, headers=org.h())).status_code == 200
    body = {"member_id": m, "event_type": "task.completed", "reference": "t-1"}
    assert (await client.post(f"{P}/{p['id']}/activities", json=body, headers=org.h())).status_code == 200
    assert (await tier(client, org, p["id"], m))["name"] == "Silver"


async def test_replace_and_delete_tiers(client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, clock: Clock) -> None:
    p = await program(client, org)
    m = await member(client, org, p["id"])
    await put(client, org, p["id"])
    await credit(client, org, p["id"], m, 150)
    await put(
        client, org, p["id"], tiers=[{"name": "Bronze", "min_points": 0}, {"name": "Platinum", "min_points": 1000}]
    )
    await tiers.tiers_job(ctx, {"program_id": p["id"]})
    assert (await tier(client, org, p["id"], m))["name"] == "Bronze"
    r = await client.delete(f"{P}/{p['id']}/tiers", headers=org.h())
    assert r.status_code == 200 and r.json()["tiers"][0]["name"] == "Bronze"
    assert await tier(client, org, p["id"], m) is None
    problem(await client.get(f"{P}/{p['id']}/tiers", headers=org.h()), 404, "points_tiers_not_set")
    problem(await client.delete(f"{P}/{p['id']}/tiers", headers=org.h()), 404, "points_tiers_not_set")
    assert await tiers.tiers_job(ctx, {"program_id": p["id"]}) == "no tiers"
    await credit(client, org, p["id"], m, 1)  # no policy: nothing evaluated, nothing fails


@pytest.mark.parametrize(
    "body",
    [
        {"tiers": []},
        {"tiers": [{"name": "A", "min_points": -1}]},
        {"tiers": [{"name": "A", "min_points": 1.5}]},
        {"tiers": [{"name": "A", "min_points": 10}, {"name": "B", "min_points": 10}]},
        {"tiers": [{"name": "A", "min_points": 10}, {"name": "B", "min_points": 5}]},
        {"tiers": [{"name": "A", "min_points": 1}, {"name": "A", "min_points": 5}]},
        {"tiers": [{"name": "", "min_points": 1}]},
        {"tiers": TIERS, "window_months": 0},
        {"tiers": TIERS, "downgrade": "grace"},
        {"tiers": TIERS, "extra": True},
    ],
)
async def test_bad_tiers_write_nothing(
    client: httpx.AsyncClient, org: OrgHandle, ctx: Runtime, body: dict[str, Any]
) -> None:
    p = await program(client, org)
    before = await counts(ctx)
    problem(await client.put(f"{P}/{p['id']}/tiers", json=body, headers=org.h()), 422, "validation_error")
    assert await counts(ctx) == before


async def test_foreign_programs(client: httpx.AsyncClient, org: OrgHandle, make_org: MakeOrg, ctx: Runtime) -> None:
    p = await program(client, org)
    await put(client, org, p["id"])
    other = await make_org(USD="1.00")
    before = await counts(ctx)
    for headers, prog in ((other.h(), p["id"]), (org.h("live"), p["id"]), (org.h(), "ppg_nope")):
        url = f"{P}/{prog}/tiers"
        problem(await client.put(url, json={"tiers": TIERS}, headers=headers), 404, "points_program_not_found")
        problem(await client.get(url, headers=headers), 404, "points_program_not_found")
        problem(await client.delete(url, headers=headers), 404, "points_program_not_found")
    assert await counts(ctx) == before
