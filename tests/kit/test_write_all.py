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
from rewardkit.runtime import Runtime

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


async def test_inserts_and_guarded_updates_in_one_call(ctx: Runtime) -> None:
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


async def test_a_failing_write_keeps_nothing(ctx: Runtime) -> None:
    """A duplicate unique key in the second write: the first write of the same call is not kept either."""
    tag = secrets.token_hex(4)
    async with ctx.db.unit_of_work() as s:
        await sql.write_all(s, [sql.Insert(JOBS, [_job(f"{tag}-dup", {}, None)])])
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with ctx.db.unit_of_work() as s:
            await sql.write_all(
                s, [sql.Insert(EVENTS, [_event(f"evt_{tag}")]), sql.Insert(JOBS, [_job(f"{tag}-dup", {}, None)])]
            )
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert (await s.execute(select(Event.id).where(Event.id == f"evt_{tag}"))).first() is None
        found = (await s.execute(select(Job.unique_key).where(Job.unique_key.like(f"{tag}-%")))).scalars().all()
    assert found == [f"{tag}-dup"]


async def test_rows_of_one_write_must_name_the_same_columns(ctx: Runtime) -> None:
    rows = [_job("a", {}, None), {**_job("b", {}, None), "extra": 1}]
    with pytest.raises(ValueError, match="same columns"):
        async with ctx.db.unit_of_work() as s:
            await sql.write_all(s, [sql.Insert(JOBS, rows)])


async def test_a_value_too_long_is_refused_or_kept_whole_never_cut(ctx: Runtime) -> None:
    """PostgreSQL refuses a string longer than its column, SQLite keeps it whole: neither cuts it off
    (a cast to the column's own VARCHAR(n) would, silently)."""
    key = f"{secrets.token_hex(4)}-long"
    worker = "w" * 100  # locked_by is VARCHAR(80)
    try:
        async with ctx.db.unit_of_work() as s:
            await sql.write_all(s, [sql.Insert(JOBS, [_job(key, {}, worker)])])
    except Exception as exc:
        assert "too long" in str(exc)
        stored = None
    else:
        async with ctx.db.unit_of_work(readonly=True) as s:
            stored = (await s.execute(select(Job.locked_by).where(Job.unique_key == key))).scalar_one()
        assert stored == worker
    if stored is None:
        async with ctx.db.unit_of_work(readonly=True) as s:
            assert (await s.execute(select(Job.id).where(Job.unique_key == key))).first() is None


async def test_returning_from_a_table_not_written_returns_nothing(ctx: Runtime) -> None:
    async with ctx.db.unit_of_work() as s:
        returned = await sql.write_all(
            s,
            [sql.Insert(EVENTS, [_event(f"evt_{secrets.token_hex(4)}")]), sql.Insert(JOBS, [])],
            returning=(JOBS, ("id",)),
        )
    assert returned == []


async def test_a_table_written_twice_or_a_row_updated_twice_is_refused(ctx: Runtime) -> None:
    """On PostgreSQL the writes of one statement see one snapshot, on SQLite each sees the one before:
    what either would do is not asked of them."""
    tag = secrets.token_hex(4)
    async with ctx.db.unit_of_work() as s:
        with pytest.raises(ValueError, match="each table once"):
            await sql.write_all(
                s, [sql.Insert(JOBS, [_job(f"{tag}-a", {}, None)]), sql.Insert(JOBS, [_job(f"{tag}-b", {}, None)])]
            )
        with pytest.raises(ValueError, match="each row once"):
            await sql.write_all(
                s, [sql.Update(JOBS, where=("id",), rows=[{"id": 1, "attempts": 2}, {"id": 1, "attempts": 3}])]
            )
