"""Retention: the maintenance job deletes what is past its documented period, in bounded batches, and
keeps everything still in use (pending deliveries and their events, queued and running jobs)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update

from rewardkit.config import Settings
from rewardkit.events.models import Event
from rewardkit.jobs import tasks
from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.kit.idempotency import IdempotencyRecord
from rewardkit.kit.retention import Purge, purge
from rewardkit.runtime import Runtime
from rewardkit.webhooks.models import WEBHOOK_TEST, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import MakeOrg, OrgHandle

DAY = timedelta(days=1)


async def _event(ctx: Runtime, org: OrgHandle, age: timedelta) -> str:
    async with ctx.db.unit_of_work() as s:
        event = await ctx.events.emit(s, org.id, "test", WEBHOOK_TEST, {"n": secrets.token_hex(4)}, fan_out=False)
        await s.execute(update(Event).where(Event.id == event.id).values(created_at=utcnow() - age))
    return event.id


async def _endpoint(ctx: Runtime, org: OrgHandle) -> str:
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        ep = WebhookEndpoint(
            id=f"we_{secrets.token_hex(8)}",
            org_id=org.id,
            mode="test",
            url="https://example.com/hook",
            description="",
            enabled_events=["*"],
            enabled=True,
            secret=ctx.keyring.encrypt("whsec_" + secrets.token_hex(16)),
            created_at=now,
            updated_at=now,
        )
        s.add(ep)
    return ep.id


async def _delivery(ctx: Runtime, endpoint_id: str, event_id: str, status: str, age: timedelta) -> tuple[str, int]:
    at = utcnow() - age
    async with ctx.db.unit_of_work() as s:
        d = WebhookDelivery(
            id=f"whd_{secrets.token_hex(8)}",
            endpoint_id=endpoint_id,
            event_id=event_id,
            status=status,
            attempts=1,
            created_at=at,
            updated_at=at,
        )
        s.add(d)
        await s.flush()
        a = WebhookAttempt(
            delivery_id=d.id, attempt=1, status_code=500, latency_ms=3, response_excerpt="", created_at=at
        )
        s.add(a)
        await s.flush()
        return d.id, a.id


async def _exists(ctx: Runtime, table: Any, pk: Any) -> bool:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return await s.get(table, pk) is not None


async def test_events_and_webhook_attempts_past_their_period_are_purged_and_pending_ones_kept(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org()
    endpoint = await _endpoint(ctx, org)
    recent = await _event(ctx, org, 29 * DAY)  # inside the 30 days: still listable
    old = await _event(ctx, org, 31 * DAY)
    old_delivered = await _event(ctx, org, 40 * DAY)
    delivered, delivered_attempt = await _delivery(ctx, endpoint, old_delivered, "failed", 40 * DAY)
    old_pending = await _event(ctx, org, 40 * DAY)
    pending, pending_attempt = await _delivery(ctx, endpoint, old_pending, "pending", 40 * DAY)
    old_recently_delivered = await _event(ctx, org, 40 * DAY)
    recently, recent_attempt = await _delivery(ctx, endpoint, old_recently_delivered, "succeeded", 10 * DAY)

    result = await tasks.maintenance(ctx, {}, 1)
    assert result["events"] >= 2 and result["webhook attempts"] >= 1 and result["webhook deliveries"] >= 1

    async def fetch(event_id: str) -> int:
        return (await client.get(f"/v1/events/{event_id}", headers=org.h())).status_code

    # Gone: past 30 days with nothing pointing at it, and a finished delivery's attempts, delivery and event.
    assert await fetch(old) == 404
    assert await fetch(old_delivered) == 404
    assert not await _exists(ctx, WebhookDelivery, delivered)
    assert not await _exists(ctx, WebhookAttempt, delivered_attempt)
    # Kept: a recent event; an old event whose delivery is still retrying (with its attempt); an old event
    # whose delivery finished inside the attempts' period.
    assert await fetch(recent) == 200
    assert await fetch(old_pending) == 200
    assert await _exists(ctx, WebhookDelivery, pending) and await _exists(ctx, WebhookAttempt, pending_attempt)
    assert await fetch(old_recently_delivered) == 200
    assert await _exists(ctx, WebhookDelivery, recently) and await _exists(ctx, WebhookAttempt, recent_attempt)
    listed = (await client.get("/v1/events", headers=org.h(), params={"limit": 100})).json()["data"]
    ids = {e["id"] for e in listed}
    assert {recent, old_pending, old_recently_delivered} <= ids and not {old, old_delivered} & ids


async def _job(ctx: Runtime, status: str, age: timedelta, kind: str = "test.retention") -> int:
    at = utcnow() - age
    # Never due, never a lease to rescue: the session's worker (other tests' drain()) leaves them alone.
    later = utcnow() + 1000 * DAY
    locked_until = later if status == "running" else None
    async with ctx.db.unit_of_work() as s:
        job = Job(
            kind=kind,
            payload={},
            status=status,
            run_at=later if status == "queued" else at,
            attempts=1,
            max_attempts=3,
            locked_by="w-retention" if status == "running" else None,
            locked_until=locked_until,
            created_at=at,
            updated_at=at,
        )
        s.add(job)
        await s.flush()
        return job.id


async def test_finished_jobs_are_purged_after_their_period_and_work_still_to_do_never(ctx: Runtime) -> None:
    gone = [await _job(ctx, "succeeded", 8 * DAY), await _job(ctx, "dead", 31 * DAY)]
    kept = [
        await _job(ctx, "succeeded", 6 * DAY),
        await _job(ctx, "dead", 8 * DAY),  # dead jobs stay 30 days, to be read or requeued
        await _job(ctx, "queued", 400 * DAY),
        await _job(ctx, "running", 400 * DAY),
    ]
    await tasks.maintenance(ctx, {}, 1)
    assert [await _exists(ctx, Job, j) for j in gone] == [False, False]
    assert [await _exists(ctx, Job, j) for j in kept] == [True, True, True, True]


async def test_expired_idempotency_records_are_purged(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    now = utcnow()

    def record(expires_at: datetime) -> IdempotencyRecord:
        return IdempotencyRecord(
            org_id=org.id,
            mode="test",
            key=secrets.token_hex(8),
            fingerprint="0" * 64,
            status="completed",
            locked_at=now - 2 * DAY,
            created_at=now - 2 * DAY,
            expires_at=expires_at,
        )

    expired, live = record(now - timedelta(minutes=1)), record(now + timedelta(hours=1))
    async with ctx.db.unit_of_work() as s:
        s.add_all([expired, live])
    await tasks.maintenance(ctx, {}, 1)
    assert not await _exists(ctx, IdempotencyRecord, expired.id)
    assert await _exists(ctx, IdempotencyRecord, live.id)


async def test_a_purge_deletes_in_bounded_batches_and_the_next_run_carries_on(ctx: Runtime) -> None:
    kind = f"test.batch.{secrets.token_hex(3)}"
    for _ in range(10):
        await _job(ctx, "succeeded", 30 * DAY, kind)
    rule = Purge(
        "batch test", Job, keep=lambda s: 7 * DAY, where=lambda cutoff: (Job.kind == kind) & (Job.updated_at < cutoff)
    )

    async def left() -> int:
        async with ctx.db.unit_of_work(readonly=True) as s:
            return int((await s.execute(select(func.count()).where(Job.kind == kind))).scalar_one())

    first = await purge(ctx.db, rule, utcnow() - 7 * DAY, batch=3, max_batches=2)
    assert (first.rows, first.batches, first.complete) == (6, 2, False)
    assert await left() == 4
    second = await purge(ctx.db, rule, utcnow() - 7 * DAY, batch=3, max_batches=2)
    assert (second.rows, second.complete) == (4, True)
    assert await left() == 0


def test_events_cannot_be_kept_less_than_30_days() -> None:
    with pytest.raises(ValidationError):
        Settings(retention_events_days=29)
    assert Settings().retention_events_days == 30
