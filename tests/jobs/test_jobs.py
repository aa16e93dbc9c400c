"""The job table and the worker: leases, retries with backoff, dead jobs, races."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from rewardkit.jobs import service as jobs
from rewardkit.jobs.models import Job
from rewardkit.jobs.service import Retry, backoff
from rewardkit.jobs.worker import Worker
from rewardkit.kit import sql
from rewardkit.kit.db import utcnow
from rewardkit.ledger.models import Transaction
from rewardkit.orders import tasks as order_tasks
from rewardkit.orders.repository import timeline as timeline_of
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body


def make_worker(ctx: Runtime, handlers: dict[str, Any], name: str, lease: float = 30.0) -> Worker:
    return Worker(ctx, handlers, concurrency=4, lease_seconds=lease, poll_seconds=0.02, name=name)


async def enqueue(ctx: Runtime, kind: str, payload: dict[str, Any], max_attempts: int = 10) -> int:
    async with ctx.db.unit_of_work() as s:
        return (await jobs.enqueue(s, kind, payload, max_attempts=max_attempts)).id


async def load(ctx: Runtime, job_id: int) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        job = await s.get(Job, job_id)
        assert job is not None
        return job


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        delays = [backoff(attempt, base=2, cap=600, rng=rng) for _ in range(50)]
        assert all(2 <= d <= min(600, 2 * 2 ** (attempt - 1)) for d in delays)
        if attempt > 2:
            assert len({round(d, 3) for d in delays}) > 10  # jittered, not one fixed value


async def test_a_failing_job_is_retried_then_succeeds(ctx: Runtime) -> None:
    kind = f"test.flaky.{random.random()}"
    calls: list[int] = []

    async def flaky(_ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
        calls.append(attempt)
        if attempt < 3:
            raise RuntimeError("upstream hiccup")

    job_id = await enqueue(ctx, kind, {})
    w = make_worker(ctx, {kind: flaky}, "w-flaky")
    for _ in range(100):
        await w.drain()
        if (await load(ctx, job_id)).status == "succeeded":
            break
        await asyncio.sleep(0.02)
    job = await load(ctx, job_id)
    assert job.status == "succeeded" and calls == [1, 2, 3] and job.attempts == 3
    assert job.last_error is None  # cleared by the success that ended it


async def test_a_job_that_exhausts_its_attempts_is_dead_and_can_be_retried(ctx: Runtime) -> None:
    kind = f"test.broken.{random.random()}"
    fixed = {"ok": False}

    async def broken(_ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
        if not fixed["ok"]:
            raise Retry("still broken", delay=0)

    job_id = await enqueue(ctx, kind, {}, max_attempts=3)
    w = make_worker(ctx, {kind: broken}, "w-broken")
    for _ in range(50):
        await w.drain()
        if (await load(ctx, job_id)).status == "dead":
            break
    job = await load(ctx, job_id)
    assert job.status == "dead" and job.attempts == 3
    from rewardkit.jobs import repository

    async with ctx.db.unit_of_work() as s:
        assert await repository.requeue(s, job_id, utcnow())
    fixed["ok"] = True
    await w.drain()
    assert (await load(ctx, job_id)).status == "succeeded"


async def test_two_workers_race_for_one_job_and_only_one_runs_it(ctx: Runtime) -> None:
    kind = f"test.once.{random.random()}"
    runs: list[str] = []

    async def once(_ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
        runs.append(payload["n"])
        await asyncio.sleep(0.05)

    job_id = await enqueue(ctx, kind, {"n": "x"})
    a, b = make_worker(ctx, {kind: once}, "w-a"), make_worker(ctx, {kind: once}, "w-b")
    got = await asyncio.gather(a.run_now(job_id), b.run_now(job_id))
    assert sorted(got) == [False, True]
    assert runs == ["x"]


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(ctx: Runtime) -> None:
    kind = f"test.lease.{random.random()}"

    async def ok(_ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
        return None

    job_id = await enqueue(ctx, kind, {})
    dead = make_worker(ctx, {kind: ok}, "w-dead", lease=30)
    [claimed] = await dead.claim(1, job_id)
    # The holder "dies": its lease runs out.
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Job).where(Job.id == job_id).values(locked_until=utcnow() - timedelta(seconds=1)))
    alive = make_worker(ctx, {kind: ok}, "w-alive")
    assert await alive.run_now(job_id)
    job = await load(ctx, job_id)
    assert job.status == "succeeded" and job.attempts == 2
    # The old holder wakes up and tries to record its own outcome: ignored.
    assert await dead.execute(claimed) in {"succeeded", "queued", "dead"}
    assert (await load(ctx, job_id)).status == "succeeded"


async def test_unknown_job_kind_is_retried_not_lost(ctx: Runtime) -> None:
    kind = f"test.unknown.{random.random()}"
    job_id = await enqueue(ctx, kind, {}, max_attempts=2)
    w = make_worker(ctx, {}, "w-unknown")
    assert await w.run_now(job_id)
    job = await load(ctx, job_id)
    assert job.status == "queued" and "no handler" in (job.last_error or "")
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert (await s.execute(select(Job.id).where(Job.id == job_id))).scalar_one() == job_id


async def test_two_concurrent_fulfilments_of_one_order_book_money_once(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if two workers both run the fulfilment handler for one order, it is fulfilled and settled once."""
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0)
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    assert order["status"] == "pending"
    await asyncio.gather(*[order_tasks.fulfil(ctx, {"order_id": order["id"]}, 1) for _ in range(2)])
    async with ctx.db.unit_of_work(readonly=True) as s:
        kinds = sorted(
            (await s.execute(select(Transaction.kind).where(Transaction.source_id == order["id"]))).scalars()
        )
        timeline = await timeline_of(s, order["id"])
    assert kinds == ["order_debit", "order_settle"]
    assert [t.to_status for t in timeline] == ["pending", "processing", "fulfilled"]


async def test_expired_leases_are_looked_for_only_when_asked(ctx: Runtime) -> None:
    """The rescue of dead workers' jobs is a separate, optional part of a claim (repository.claim)."""
    from datetime import UTC, datetime

    from rewardkit.jobs import repository

    kind = f"test.rescue.{random.random()}"
    job_id = await enqueue(ctx, kind, {})
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)  # before every other test's job is due: only ours can match
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(Job).where(Job.id == job_id).values(status="running", locked_by="w-gone", locked_until=long_ago)
        )
    async with ctx.db.unit_of_work() as s:
        assert (
            await repository.claim(s, "w-new", long_ago + timedelta(days=1), timedelta(seconds=30), 10, rescue=False)
            == []
        )
    async with ctx.db.unit_of_work() as s:
        [job] = await repository.claim(s, "w-new", long_ago + timedelta(days=1), timedelta(seconds=30), 10, rescue=True)
    assert job.id == job_id and job.locked_by == "w-new"
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Job).where(Job.id == job_id).values(status="succeeded", locked_by=None))


async def test_a_worker_rescues_at_most_once_per_poll_interval(
    ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rewardkit.jobs import repository
    from rewardkit.jobs import worker as worker_module

    asked: list[bool] = []

    async def spy(*args: Any, rescue: bool = True, **kw: Any) -> list[Job]:
        asked.append(rescue)
        return []

    clock = [1000.0]
    monkeypatch.setattr(repository, "claim", spy)
    monkeypatch.setattr(worker_module.time, "monotonic", lambda: clock[0])
    w = Worker(ctx, {}, poll_seconds=0.5, name="w-rescue")
    await w.claim(4)  # the first claim looks
    await w.claim(4)
    clock[0] += 0.2
    await w.claim(4)  # within the interval: not again
    clock[0] += 0.4
    await w.claim(4)  # the interval has passed
    assert asked == [True, False, False, True]


async def test_a_batch_finishes_only_the_jobs_its_worker_still_holds(ctx: Runtime) -> None:
    """finish_write (the group-commit batch's job finish, in one statement with the batch's other rows):
    a job whose lease another worker took over is not finished by the batch, and its run says so."""
    kind = f"test.batch_finish.{random.random()}"
    ids = [await enqueue(ctx, kind, {"n": n}) for n in range(3)]
    me = make_worker(ctx, {}, "w-batch")
    for job_id in ids:
        await me.claim(1, job_id)
    async with ctx.db.unit_of_work() as s:  # the third was taken over after its lease ran out
        await s.execute(update(Job).where(Job.id == ids[2]).values(locked_by="w-other"))
    runs = [jobs.Run(job_id=job_id, worker="w-batch") for job_id in ids]
    write = jobs.finish_write(runs, utcnow())
    assert write is not None
    async with ctx.db.unit_of_work() as s:
        jobs.adopt_finished(runs, await sql.write_all(s, [write], returning=jobs.FINISHED))
    assert [r.finished for r in runs] == [True, True, False]
    assert [(j.status, j.locked_by) for j in [await load(ctx, i) for i in ids]] == [
        ("succeeded", None),
        ("succeeded", None),
        ("running", "w-other"),
    ]
    # Runs of several workers are not one write: the caller finishes them with finish_runs.
    assert jobs.finish_write([jobs.Run(1, "a"), jobs.Run(2, "b")], utcnow()) is None
