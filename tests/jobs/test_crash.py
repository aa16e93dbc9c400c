"""Real worker processes, killed with SIGKILL mid-job, and several of them at once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rewardkit.config import Settings
from rewardkit.jobs.models import Job
from rewardkit.ledger.models import Transaction
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body


def spawn_worker(settings: Settings, concurrency: int = 4, **env: str) -> subprocess.Popen[bytes]:
    full_env = {
        **os.environ,
        "REWARDKIT_DATABASE_URL": settings.database_url,
        "REWARDKIT_SECRET_KEYS": settings.secret_keys,
        "REWARDKIT_JOB_LEASE_SECONDS": "1",  # a killed worker's jobs come back within a second
        "REWARDKIT_JOB_POLL_SECONDS": "0.05",
        "REWARDKIT_JOB_BACKOFF_BASE_SECONDS": "0.05",
        "REWARDKIT_SUPPLIER_TIMEOUT_SECONDS": "1",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "rewardkit.cli", "worker", "--concurrency", str(concurrency)],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(p: subprocess.Popen[bytes]) -> None:
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


async def wait_final(
    client: httpx.AsyncClient, ids: list[str], headers: dict[str, str], seconds: float = 60
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        orders = [(await client.get(f"/v1/orders/{i}", headers=headers)).json() for i in ids]
        if all(o["status"] in {"fulfilled", "refunded", "canceled"} for o in orders):
            return orders
        if loop.time() > deadline:
            raise AssertionError(Counter(o["status"] for o in orders))
        await asyncio.sleep(0.2)


async def money_of(ctx: Runtime, order_id: str) -> list[str]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (await s.execute(select(Transaction.kind).where(Transaction.source_id == order_id))).scalars()
        return sorted(rows)


async def job_of(ctx: Runtime, order_id: str) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        job: Job = (await s.execute(select(Job).where(Job.unique_key == f"fulfil:{order_id}"))).scalar_one()
        return job


@pytest.mark.parametrize("point", ["fulfil:start", "fulfil:processing", "fulfil:placed", "fulfil:committed"])
async def test_worker_killed_at_each_step_loses_nothing(
    point: str,
    client: httpx.AsyncClient,
    ctx: Runtime,
    settings: Settings,
    make_org: MakeOrg,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0)  # leave the job to the workers
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    assert order["status"] == "pending"

    doomed = spawn_worker(settings, REWARDKIT_FAULT_KILL_AT=point)
    code = await asyncio.to_thread(doomed.wait, 60)
    assert code == -signal.SIGKILL, doomed.stdout.read() if doomed.stdout else b""

    rescuer = spawn_worker(settings)
    try:
        [final] = await wait_final(client, [order["id"]], org.h())
        job = await job_of(ctx, order["id"])
        for _ in range(150):  # killed after its commit, the job itself is finished once the lease runs out
            if job.status == "succeeded":
                break
            await asyncio.sleep(0.1)
            job = await job_of(ctx, order["id"])
    finally:
        stop(rescuer)
    assert final["status"] == "fulfilled"
    assert [t["status"] for t in final["timeline"]] == ["pending", "processing", "fulfilled"]
    assert await money_of(ctx, order["id"]) == ["order_debit", "order_settle"]
    # The fulfilling transaction finishes the job too: killed after that commit, nothing is run again.
    assert job.status == "succeeded" and job.attempts == (1 if point == "fulfil:committed" else 2)


async def test_two_hundred_orders_across_four_worker_processes_with_transient_failures(
    client: httpx.AsyncClient,
    ctx: Runtime,
    settings: Settings,
    make_org: MakeOrg,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0)
    org = await make_org(USD="20000.00")
    ids: list[str] = []
    for batch in range(10):
        bodies = [order_body(metadata={"sandbox": "transient"} if (batch * 20 + i) % 3 == 0 else {}) for i in range(20)]
        rs = await asyncio.gather(*[client.post("/v1/orders", json=b, headers=org.h()) for b in bodies])
        assert all(r.status_code == 202 for r in rs), [r.text for r in rs if r.status_code != 202][:1]
        ids += [r.json()["id"] for r in rs]

    workers = [spawn_worker(settings, concurrency=8) for _ in range(4)]
    try:
        orders = await wait_final(client, ids, org.h(), seconds=180)
    finally:
        for w in workers:
            stop(w)
    assert Counter(o["status"] for o in orders) == {"fulfilled": 200}
    codes = [o["voucher"]["code"] for o in orders]
    assert len(set(codes)) == 200
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (
            await s.execute(select(Transaction.source_id, Transaction.kind).where(Transaction.source_id.in_(ids)))
        ).all()
    assert Counter(kind for _, kind in rows) == {"order_debit": 200, "order_settle": 200}
    balance = (await client.get("/v1/balances", headers=org.h())).json()["data"][0]
    assert balance["available"]["value"] == "10000.00" and balance["pending"]["minor_units"] == 0
    verify = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "rewardkit.cli", "ledger", "verify"],
        env={**os.environ, "REWARDKIT_DATABASE_URL": settings.database_url},
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
