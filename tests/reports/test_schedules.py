"""Report schedules: a due schedule runs its period once (a second attempt finds it moved on), the run
is the report.succeeded event, and an email with the download link is queued when asked for."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from rewardkit.events.models import Event
from rewardkit.jobs.models import Job
from rewardkit.reports import schedules
from rewardkit.reports.models import ReportSchedule
from rewardkit.reports.timeframe import zone
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import problem


async def test_a_due_schedule_runs_its_period_once(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="30.00")
    body = {"type": "balance_summary", "frequency": "daily", "timezone": "Asia/Kolkata", "email": "fin@example.com"}
    r = await client.post("/v1/report_schedules", json=body, headers=org.h())
    assert r.status_code == 200, r.text
    sch = r.json()
    nxt = datetime.fromisoformat(sch["next_run_at"].replace("Z", "+00:00"))
    assert nxt.astimezone(zone("Asia/Kolkata")).hour == 0  # local midnight
    # Pretend the day is over: the schedule was due at the midnight after the funding.
    due_at = schedules.next_boundary("daily", zone("Asia/Kolkata"), datetime.now(nxt.tzinfo) - timedelta(days=1))
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(ReportSchedule).where(ReportSchedule.id == sch["id"]).values(next_run_at=due_at))
    status = await schedules.due(ctx, sch["id"], due_at.isoformat())
    assert status == "succeeded"
    assert await schedules.due(ctx, sch["id"], due_at.isoformat()) == "not due"  # run once
    runs = (await client.get("/v1/reports", headers=org.h())).json()["data"]
    assert len(runs) == 1 and runs[0]["schedule_id"] == sch["id"] and runs[0]["timezone"] == "Asia/Kolkata"
    assert datetime.fromisoformat(runs[0]["interval_end"].replace("Z", "+00:00")) == due_at
    after = (await client.get(f"/v1/report_schedules/{sch['id']}", headers=org.h())).json()
    assert after["last_run_id"] == runs[0]["id"] and after["next_run_at"] == sch["next_run_at"]  # the day after
    async with ctx.db.unit_of_work(readonly=True) as s:
        events = (
            await s.execute(select(Event).where(Event.org_id == org.id, Event.type == "report.succeeded"))
        ).scalars()
        assert [e.resource_id for e in events] == [runs[0]["id"]]
        mails = (await s.execute(select(Job).where(Job.kind == "mail.send"))).scalars().all()
        assert any(runs[0]["id"] in str(j.payload) for j in mails)
    deleted = await client.delete(f"/v1/report_schedules/{sch['id']}", headers=org.h())
    assert deleted.status_code == 200 and deleted.json()["next_run_at"] is None
    problem(await client.get(f"/v1/report_schedules/{sch['id']}", headers=org.h()), 404, "report_schedule_not_found")


async def test_bad_schedules(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    for body, code in (
        ({"type": "balance_summary", "frequency": "hourly"}, "validation_error"),
        ({"type": "balance_summary", "frequency": "daily", "timezone": "Moon/Base"}, "unknown_timezone"),
        ({"type": "orders", "frequency": "monthly", "columns": ["nope"]}, "unknown_column"),
        ({"type": "orders", "frequency": "monthly", "email": "not-an-email"}, "validation_error"),
    ):
        problem(await client.post("/v1/report_schedules", json=body, headers=org.h()), 422, code)
