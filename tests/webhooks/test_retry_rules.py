"""Issue #12: Retry-After delays a retry but never consumes the schedule, and a pending delivery to a
disabled endpoint waits (no attempt, no failure) until the endpoint is enabled again.

Attempts are driven with the worker; "time passes" by making the delivery's job due now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.runtime import Runtime
from rewardkit.webhooks import tasks
from rewardkit.webhooks.models import DELIVER_JOB
from tests.conftest import MakeOrg, OrgHandle
from tests.webhooks.receiver import Receiver, Running
from tests.webhooks.test_delivery import endpoint


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Running(Receiver()) as r:
        yield r


async def job_of(ctx: Runtime, delivery_id: str) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        jobs = (await s.execute(select(Job).where(Job.kind == DELIVER_JOB).order_by(Job.id.desc()).limit(50))).scalars()
        return next(j for j in jobs if j.payload["delivery_id"] == delivery_id)


async def wait_of(ctx: Runtime, delivery_id: str) -> float:
    """Seconds until the delivery's next attempt (its job must be queued)."""
    job = await job_of(ctx, delivery_id)
    assert job.status == "queued", (job.status, job.last_error)
    return (job.run_at - utcnow()).total_seconds()


async def make_due(ctx: Runtime, delivery_id: str) -> None:
    job = await job_of(ctx, delivery_id)
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))


async def delivery(client: httpx.AsyncClient, org: OrgHandle, endpoint_id: object, delivery_id: str) -> dict[str, Any]:
    found = (await client.get(f"/v1/webhook_endpoints/{endpoint_id}/deliveries", headers=org.h())).json()["data"]
    out: dict[str, Any] = next(d for d in found if d["id"] == delivery_id)
    return out


async def test_a_short_retry_after_never_shortens_the_schedule(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,
    ctx: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schedule = [5, 300, 1800, 7200]
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", ",".join(map(str, schedule)))
    org = await make_org()
    receiver.script["/busy"] = [(503, {"Retry-After": "1"}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/busy"))
    sent = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    for number, scheduled in enumerate(schedule, start=1):
        await app.state.worker.drain()
        assert len(receiver.at("/busy")) == number
        d = await delivery(client, org, ep["id"], sent["id"])
        assert d["status"] == "pending" and [a["attempt"] for a in d["attempts"]] == list(range(1, number + 1))
        wait = await wait_of(ctx, sent["id"])
        assert scheduled - 5 < wait <= scheduled, (number, wait)  # the schedule's delay, not Retry-After's 1 s
        await make_due(ctx, sent["id"])
    await app.state.worker.drain()  # the last attempt: the schedule is exhausted only now
    assert len(receiver.at("/busy")) == len(schedule) + 1
    d = await delivery(client, org, ep["id"], sent["id"])
    assert d["status"] == "failed" and [a["status_code"] for a in d["attempts"]] == [503] * (len(schedule) + 1)


async def test_a_500_after_retry_afters_waits_the_schedule_delay_of_its_own_attempt(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,
    ctx: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Distinct delays tell the candidates apart: attempt 3's own (5 s), the first (20 s), the next (80 s).
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", "20,40,5,80")
    org = await make_org()
    receiver.script["/mixed"] = [
        (503, {"Retry-After": "1"}, 0.0),
        (503, {"Retry-After": "1"}, 0.0),
        (500, {}, 0.0),
        (429, {"Retry-After": "600"}, 0.0),  # longer than the schedule: Retry-After wins
        (503, {"Retry-After": "1"}, 0.0),  # the fifth and last attempt
    ]
    ep = await endpoint(client, org, receiver.url("/mixed"))
    sent = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    # After attempt 1, 2 (503, Retry-After: 1), 3 (500), 4 (429, Retry-After: 600): the wait before the next.
    for number, (low, high) in enumerate([(15, 20), (35, 40), (0, 5), (595, 600)], start=1):
        await app.state.worker.drain()
        assert len(receiver.at("/mixed")) == number
        wait = await wait_of(ctx, sent["id"])
        assert low < wait <= high, (number, wait)
        await make_due(ctx, sent["id"])
    # Attempt 5 is the last: exhausted, whatever Retry-After says.
    await app.state.worker.drain()
    d = await delivery(client, org, ep["id"], sent["id"])
    assert d["status"] == "failed" and [a["status_code"] for a in d["attempts"]] == [503, 503, 500, 429, 503]


def test_retry_after_is_clamped_and_never_hastens() -> None:
    delays = [5, 300]
    assert tasks.next_delay(delays, 1, 503, {"retry-after": "1"}) == 5
    assert tasks.next_delay(delays, 2, 429, {"retry-after": "1"}) == 300
    assert tasks.next_delay(delays, 1, 503, {"retry-after": "600"}) == 600
    assert tasks.next_delay(delays, 1, 503, {"retry-after": "99999999"}) == tasks.MAX_RETRY_AFTER
    assert tasks.next_delay(delays, 1, 500, {"retry-after": "600"}) == 5  # only 429 and 503 carry it
    assert tasks.next_delay(delays, 1, 503, {"retry-after": "soon"}) == 5
    assert tasks.next_delay(delays, 1, None, {}) == 5


async def test_a_pending_retry_to_a_disabled_endpoint_waits_and_resumes_when_enabled(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, ctx: Runtime
) -> None:
    org = await make_org()
    receiver.script["/paused"] = [(500, {}, 0.0), (200, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/paused"))
    sent = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    await app.state.worker.drain()
    assert len(receiver.at("/paused")) == 1
    job_attempts = (await job_of(ctx, sent["id"])).attempts
    r = await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": False}, headers=org.h())
    assert r.status_code == 200 and r.json()["enabled"] is False
    for _ in range(3):  # the retry comes due, again and again, while the endpoint is off
        await make_due(ctx, sent["id"])
        await app.state.worker.drain()
        job = await job_of(ctx, sent["id"])
        assert job.status == "queued" and "IntegrityError" not in str(job.last_error), job.last_error
        assert "disabled" in str(job.last_error) and job.attempts == job_attempts  # no job attempt spent
        assert tasks.DISABLED_RECHECK_SECONDS - 5 < await wait_of(ctx, sent["id"]) <= tasks.DISABLED_RECHECK_SECONDS
        d = await delivery(client, org, ep["id"], sent["id"])
        assert d["status"] == "pending" and [a["attempt"] for a in d["attempts"]] == [1]  # no attempt recorded
    assert len(receiver.at("/paused")) == 1
    r = await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": True}, headers=org.h())
    assert r.json()["enabled"] is True
    await make_due(ctx, sent["id"])
    await app.state.worker.drain()
    assert len(receiver.at("/paused")) == 2
    d = await delivery(client, org, ep["id"], sent["id"])
    assert d["status"] == "succeeded"
    assert [(a["attempt"], a["status_code"]) for a in d["attempts"]] == [(1, 500), (2, 200)]


async def test_a_delivery_not_yet_attempted_waits_for_its_endpoint_too(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, ctx: Runtime
) -> None:
    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/later"))
    sent = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": False}, headers=org.h())
    await app.state.worker.drain()
    d = await delivery(client, org, ep["id"], sent["id"])
    assert d["status"] == "pending" and d["attempts"] == [] and receiver.at("/later") == []
    await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": True}, headers=org.h())
    await make_due(ctx, sent["id"])
    await app.state.worker.drain()
    d = await delivery(client, org, ep["id"], sent["id"])
    assert d["status"] == "succeeded" and [a["attempt"] for a in d["attempts"]] == [1]
    # Deleting an endpoint cancels its pending deliveries (they go with it); their jobs end quietly.
    again = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": False}, headers=org.h())
    await client.delete(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())
    await app.state.worker.drain()
    job = await job_of(ctx, again["id"])
    assert job.status == "succeeded" and len(receiver.at("/later")) == 1
