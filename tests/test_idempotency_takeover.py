"""Idempotency takeover after a crash (#12 defect 11): a key held by a process that was killed is
taken over by a retry within about a lease (here 1 s), not after the 60 s lock timeout; a key held by
a live process is never taken over, however long its request runs past the lease."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from rewardkit.bootstrap import build_runtime
from rewardkit.config import Settings
from rewardkit.kit.db import utcnow
from rewardkit.kit.idempotency import IdempotencyOwner, IdempotencyRecord, fingerprint
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body

LEASE = 1  # seconds: the owner heartbeats every third of it

# Another serving process: it claims the key the way a request does, says so, then works "forever".
HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from rewardkit.bootstrap import build_runtime
    from rewardkit.config import Settings

    async def main() -> None:
        rt = build_runtime(Settings())
        await rt.idempotency.start()
        claim = await rt.idempotency.claim(sys.argv[1], "test", sys.argv[2], sys.argv[3])
        print("claimed", claim.record_id, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


@pytest.fixture
def short_lease(ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx.idempotency, "lease", timedelta(seconds=LEASE))


def spawn_holder(settings: Settings, org: OrgHandle, key: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "REWARDKIT_DATABASE_URL": settings.database_url,
        "REWARDKIT_SECRET_KEYS": settings.secret_keys,
        "REWARDKIT_IDEMPOTENCY_LEASE_SECONDS": str(LEASE),
    }
    fp = fingerprint("POST", "/v1/orders", order_body())
    p = subprocess.Popen(
        [sys.executable, "-c", HOLDER, org.id, key, fp], env=env, stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    assert line.startswith("claimed"), line
    return p


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait()


async def record(ctx: Runtime, org: OrgHandle, key: str) -> IdempotencyRecord:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (
            await s.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.org_id == org.id, IdempotencyRecord.key == key)
            )
        ).scalar_one()


async def heartbeat(ctx: Runtime, owner: str) -> IdempotencyOwner | None:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return await s.get(IdempotencyOwner, owner)


async def beats_past_the_lease(ctx: Runtime, owner: str) -> None:
    """Wait, by watching its row, until the live owner has renewed its heartbeat beyond one lease."""
    first = await heartbeat(ctx, owner)
    assert first is not None
    while True:
        now = await heartbeat(ctx, owner)
        assert now is not None, "a live owner never loses its row"
        if now.heartbeat_at >= first.started_at + timedelta(seconds=2 * LEASE):
            return
        await asyncio.sleep(0.1)


@pytest.mark.usefixtures("short_lease")
async def test_a_killed_owners_key_is_taken_over_within_a_lease_never_while_it_lives(
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    ctx: Runtime,
    settings: Settings,
    processes: list[subprocess.Popen[str]],
) -> None:
    org = await make_org(USD="100.00")
    key = "crash-takeover"
    holder = spawn_holder(settings, org, key)
    processes.append(holder)
    held = await record(ctx, org, key)
    assert held.owner is not None and held.status == "in_flight"

    # Alive and working past its lease: every retry is 409, nothing is ordered.
    await beats_past_the_lease(ctx, held.owner)
    busy = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": key}))
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_key_in_flight", busy.text
    assert (await record(ctx, org, key)).owner == held.owner

    # Killed: its heartbeat stops, and a retry gets the key once a lease has passed.
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    while True:
        r = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": key}))
        if r.status_code != 409:
            break
        await asyncio.sleep(0.2)
    assert r.status_code == 200 and r.json()["status"] == "fulfilled", r.text
    # Well before the lock timeout: the owner's death, not the record's age, freed the key.
    assert utcnow() - held.locked_at < timedelta(seconds=ctx.settings.idempotency_lock_seconds / 2)
    taken = await record(ctx, org, key)
    assert taken.status == "completed" and taken.owner == ctx.idempotency.owner
    again = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": key}))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == r.json()["id"]
    orders = (await client.get("/v1/orders", headers=org.h())).json()["data"]
    assert [o["id"] for o in orders] == [r.json()["id"]]


async def test_the_serving_process_registers_and_heartbeats(ctx: Runtime) -> None:
    assert ctx.idempotency.owner is not None  # the app's lifespan started it
    row = await heartbeat(ctx, ctx.idempotency.owner)
    assert row is not None and row.heartbeat_at > utcnow() - timedelta(seconds=ctx.settings.idempotency_lease_seconds)


async def test_a_graceful_shutdown_frees_its_keys_at_once(ctx: Runtime, settings: Settings) -> None:
    other = build_runtime(settings)
    await other.idempotency.start()
    me = other.idempotency.owner
    assert me is not None and await heartbeat(ctx, me) is not None
    await other.aclose()
    assert await heartbeat(ctx, me) is None  # a retry treats its keys as a dead owner's


async def in_flight(ctx: Runtime, org: OrgHandle, key: str, owner: str, age: timedelta = timedelta(0)) -> None:
    """A key in flight as the process `owner` left it."""
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        s.add(
            IdempotencyRecord(
                org_id=org.id,
                mode="test",
                key=key,
                fingerprint=fingerprint("POST", "/v1/orders", order_body()),
                status="in_flight",
                locked_at=now - age,
                owner=owner,
                created_at=now - age,
                expires_at=now + timedelta(hours=24),
            )
        )


async def test_of_retries_racing_for_a_dead_owners_key_exactly_one_runs(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="1000.00")
    await in_flight(ctx, org, "dead-owner", owner="gone-host/4242/deadbeef")  # no heartbeat row: dead
    results = await asyncio.gather(
        *[
            client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "dead-owner"}))
            for _ in range(8)
        ]
    )
    assert {r.status_code for r in results} <= {200, 409}, [r.text for r in results]
    ids = {r.json()["id"] for r in results if r.status_code == 200}
    assert len(ids) == 1  # the one that took it over, and replays of its answer
    orders = (await client.get("/v1/orders", headers=org.h())).json()["data"]
    assert [o["id"] for o in orders] == list(ids)
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert [line["type"] for line in lines].count("order_debit") == 1


async def test_a_live_owner_holds_a_key_at_most_the_lock_timeout(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    """A request that failed unexpectedly inside a live process does not hold its key for a day."""
    assert ctx.idempotency.owner is not None
    org = await make_org(USD="100.00")
    lock = timedelta(seconds=ctx.settings.idempotency_lock_seconds)
    await in_flight(ctx, org, "live-young", owner=ctx.idempotency.owner, age=lock - timedelta(seconds=5))
    await in_flight(ctx, org, "live-stuck", owner=ctx.idempotency.owner, age=lock + timedelta(seconds=5))
    young = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "live-young"}))
    assert young.status_code == 409 and young.json()["code"] == "idempotency_key_in_flight"
    stuck = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "live-stuck"}))
    assert stuck.status_code == 200 and stuck.json()["status"] == "fulfilled", stuck.text
