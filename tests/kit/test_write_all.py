"""sql.write_all: several multi-row inserts and updates in one round trip on PostgreSQL, one by one on
SQLite; the same rows either way (the suite runs on both)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rewardkit.events.models import Event
from rewardkit.jobs.models import Job
from rewardkit.kit import sql
from rewardkit.kit.context import AppContext

JOBS = sql.table(Job)
EVENTS = sql.table(Event)
AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _job(key: str, payload: dict[str, object], locked_by: str | None) -> dict[str, object]:
    return {
        "kind": "test.write_all",
        "payload": payload,
        "status": "running" if locked_by else "queued",
        "unique_key": key,
        "run_at": AT,
        "attempts": 1,
        "max_attempts": 10,
        "locked_by": locked_by,
        "locked_until": AT + timedelta(seconds=60) if locked_by else None,
        "last_error": None,
        "created_at": AT,
        "updated_at": AT,
    }


def _event(event_id: str) -> dict[str, object]:
    return {"id": event_id, "org_id": None, "mode": "test", "type": "order.created", "payload": "x", "created_at": AT}


async def test_inserts_and_guarded_updates_in_one_call(ctx: AppContext) -> None:
    tag = secrets.token_hex(4)
    keys = [f"{tag}-{n}" for n in range(2)]
    async with ctx.db.unit_of_work() as s:
        returned = await sql.write_all(
            s,
            [
                sql.Insert(JOBS, [_job(keys[0], {"n": 0, "nested": [1, "x"]}, "me"), _job(keys[1], {}, "me")]),
            ],
            returning=(JOBS, ("id", "unique_key")),
        )
        ids = {r.unique_key: r.id for r in returned}
        assert set(ids) == set(keys)
        # One statement: a new row, and a guarded update that only the first job passes (the second is
        # held by another worker after this one's insert).
        await sql.write_all(s, [sql.Update(JOBS, where=("id",), rows=[{"id": ids[keys[1]], "locked_by": "other"}])])
        later = AT + timedelta(seconds=5)
        finished = await sql.write_all(
            s,
            [
                sql.Insert(EVENTS, [_event(f"evt_{tag}")]),
                sql.Update(
                    JOBS,
                    where=("id",),
                    rows=[{"id": ids[k], "status": "succeeded", "locked_by": None, "updated_at": later} for k in keys],
                    only=(("status", "running"), ("locked_by", "me")),
                ),
            ],
            returning=(JOBS, ("id",)),
        )
        assert [r.id for r in finished] == [ids[keys[0]]]
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = {j.unique_key: j for j in (await s.execute(select(Job).where(Job.unique_key.in_(keys)))).scalars()}
    assert (rows[keys[0]].status, rows[keys[0]].locked_by, rows[keys[0]].updated_at) == ("succeeded", None, later)
    assert rows[keys[0]].payload == {"n": 0, "nested": [1, "x"]}  # JSON survives the array round trip
    assert (rows[keys[1]].status, rows[keys[1]].locked_by, rows[keys[1]].updated_at) == ("running", "other", AT)
    async with ctx.db.unit_of_work(readonly=True) as s:
        event = (await s.execute(select(Event).where(Event.id == f"evt_{tag}"))).scalar_one()
    assert (event.org_id, event.type, event.created_at) == (None, "order.created", AT)


async def test_a_failing_write_keeps_nothing(ctx: AppContext) -> None:
    """A duplicate unique key in the second write: the first write of the same call is not kept either."""
    tag = secrets.token_hex(4)
    async with ctx.db.unit_of_work() as s:
        await sql.write_all(s, [sql.Insert(JOBS, [_job(f"{tag}-dup", {}, None)])])
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with ctx.db.unit_of_work() as s:
            await sql.write_all(
                s,
                [
                    sql.Insert(JOBS, [_job(f"{tag}-new", {}, None)]),
                    sql.Insert(JOBS, [_job(f"{tag}-dup", {}, None)]),
                ],
            )
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = (await s.execute(select(Job.unique_key).where(Job.unique_key.like(f"{tag}-%")))).scalars().all()
    assert found == [f"{tag}-dup"]


async def test_rows_of_one_write_must_name_the_same_columns(ctx: AppContext) -> None:
    rows = [_job("a", {}, None), {**_job("b", {}, None), "extra": 1}]
    with pytest.raises(ValueError, match="same columns"):
        async with ctx.db.unit_of_work() as s:
            await sql.write_all(s, [sql.Insert(JOBS, rows)])
