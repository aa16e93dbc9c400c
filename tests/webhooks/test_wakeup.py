"""Workers in other processes hear about new jobs at commit (PostgreSQL LISTEN/NOTIFY), and a burst
to one healthy endpoint is sent without putting deliveries back in the queue."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.config import Settings
from rewardkit.jobs.models import Job
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.jobs.test_crash import spawn_worker, stop
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import endpoint, receiver  # noqa: F401  (fixture)


async def arrived(receiver: Receiver, path: str, count: int, seconds: float) -> bool:  # noqa: F811
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if len(receiver.at(path)) >= count:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_worker_process_is_woken_by_the_commit_not_its_poll(
    db_kind: str,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,  # noqa: F811
    settings: Settings,
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite has no cross-process notification: workers poll (docs/jobs.md)")
    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/wake"))
    # A poll so long that only a notification can explain a delivery within the test.
    worker = spawn_worker(settings, REWARDKIT_JOB_POLL_SECONDS="600")
    try:
        await asyncio.sleep(0.5)  # let it start, run its first (empty) poll and LISTEN
        for n in range(1, 4):
            sent = await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
            assert sent.status_code == 200
            assert await arrived(receiver, "/wake", n, seconds=20), "the worker was not woken by the commit"
    finally:
        stop(worker)


async def test_a_burst_to_one_endpoint_waits_for_a_slot_instead_of_requeueing(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,  # noqa: F811
    ctx: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_max_in_flight_per_endpoint", 1)
    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/burst"))
    for _ in range(8):
        await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    assert len(receiver.at("/burst")) == 8
    async with ctx.db.unit_of_work(readonly=True) as s:
        errors = list(
            (
                await s.execute(
                    select(Job.last_error).where(Job.kind == "webhooks.deliver", Job.last_error.is_not(None))
                )
            ).scalars()
        )
    assert not [e for e in errors if "busy" in e], errors


async def test_a_delivery_that_cannot_be_built_gives_its_slot_back(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,  # noqa: F811
    ctx: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event sealed under a retired key cannot be sent; it must not keep an endpoint slot, or after a
    few of them every later delivery to that endpoint would wait for a slot forever."""
    from rewardkit.webhooks import tasks as delivery

    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/after-rotation"))
    real = delivery.service.payload

    def sealed_under_a_retired_key(*_args: object) -> bytes:
        raise ValueError("no key 'k0' in the keyring")

    monkeypatch.setattr(delivery.service, "payload", sealed_under_a_retired_key)
    for _ in range(ctx.settings.webhook_max_in_flight_per_endpoint + 1):
        await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain(max_seconds=10)
    assert ctx.part(delivery.Deliveries).in_flight[str(ep["id"])] == 0
    monkeypatch.setattr(delivery.service, "payload", real)
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain(max_seconds=10)
    assert len(receiver.at("/after-rotation")) >= 1  # the healthy event went out
