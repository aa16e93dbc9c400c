"""Canceling an order the supplier is still working on (#12 defect 9): a sandbox `slow:N` order is
cancelable while processing; the refund, the end of its fulfilment job and `order.canceled` are one
transaction, and a cancel racing the fulfilment ends in exactly one outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.jobs.models import Job
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime
from rewardkit.suppliers.adapters.sandbox import SandboxSupplier
from rewardkit.suppliers.registry import Registry
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.suppliers import registry


async def wallet(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, int]:
    b = (await client.get("/v1/balances", headers=headers)).json()["data"][0]
    return b["available"]["minor_units"], b["pending"]["minor_units"]


async def events_of(client: httpx.AsyncClient, org: OrgHandle, order_id: str) -> list[str]:
    data = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()["data"]
    return [e["type"] for e in data if isinstance(e["data"], dict) and e["data"].get("id") == order_id]


async def fulfil_job(ctx: Runtime, order_id: str) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (await s.execute(select(Job).where(Job.unique_key == f"fulfil:{order_id}"))).scalar_one()


async def slow_order(client: httpx.AsyncClient, org: OrgHandle, seconds: str) -> dict[str, Any]:
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": f"slow:{seconds}"}), headers=org.h())
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "processing"
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def short_wait(ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request waits only briefly for the supplier, so a slow order is answered 202 (processing)."""
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0.2)


@pytest.mark.usefixtures("short_wait")
async def test_a_processing_sandbox_order_is_canceled_refunded_and_never_fulfilled(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    order = await slow_order(client, org, "300")
    assert await wallet(client, org.h()) == (5000, 5000)  # held while processing

    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h())
    assert r.status_code == 200, r.text
    canceled = r.json()
    assert canceled["status"] == "canceled" and canceled["voucher"] is None
    assert [t["status"] for t in canceled["timeline"]] == ["pending", "processing", "canceled"]
    assert canceled["timeline"][-1]["from_status"] == "processing"
    assert await wallet(client, org.h()) == (10000, 0)  # refunded at once
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert [line["type"] for line in lines] == ["refund", "order_debit", "funding"]

    # The fulfilment job ended with the cancel: no worker polls the supplier for it again.
    job = await fulfil_job(ctx, order["id"])
    assert job.status == "succeeded" and job.last_error == "order canceled"
    await app.state.worker.drain()
    after = (await client.get(f"/v1/orders/{order['id']}", headers=org.h())).json()
    assert after["status"] == "canceled" and after["voucher_url"] is None
    assert await events_of(client, org, order["id"]) == ["order.canceled", "order.processing", "order.created"]

    again = await client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h())
    assert again.status_code == 409 and again.json()["code"] == "order_not_cancelable"
    assert again.json()["order_status"] == "canceled"
    assert await wallet(client, org.h()) == (10000, 0)  # refunded once


async def test_a_fulfilled_order_is_not_cancelable(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    assert order["status"] == "fulfilled"
    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h())
    assert r.status_code == 409 and r.json()["code"] == "order_not_cancelable"
    assert r.json()["order_status"] == "fulfilled"
    assert await wallet(client, org.h()) == (5000, 0)


@pytest.mark.usefixtures("short_wait")
@pytest.mark.parametrize("round_", range(4))
async def test_cancel_racing_the_fulfilment_has_exactly_one_outcome(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, round_: int
) -> None:
    org = await make_org(USD="100.00")
    order = await slow_order(client, org, "0.3")
    await asyncio.sleep(0.35)  # the sandbox's purchase is ready: the next poll fulfils it
    cancel, _ = await asyncio.gather(
        client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h()), app.state.worker.drain()
    )
    await app.state.worker.drain()
    final = (await client.get(f"/v1/orders/{order['id']}", headers=org.h())).json()
    seen = await events_of(client, org, order["id"])
    if cancel.status_code == 200:
        assert final["status"] == "canceled" and final["voucher"] is None
        assert await wallet(client, org.h()) == (10000, 0)
        assert "order.fulfilled" not in seen and seen.count("order.canceled") == 1
    else:
        assert cancel.status_code == 409 and cancel.json()["order_status"] == "fulfilled", cancel.text
        assert final["status"] == "fulfilled" and final["voucher_url"]
        assert await wallet(client, org.h()) == (5000, 0)
        assert "order.canceled" not in seen and seen.count("order.fulfilled") == 1
    assert [t["status"] for t in final["timeline"]][-1] == final["status"]
    assert (await fulfil_job(ctx, order["id"])).status == "succeeded"


class LiveSlow(SandboxSupplier):
    """A stand-in live supplier that keeps an order processing and, like every adapter but the
    sandbox, cannot cancel a purchase in flight."""

    name = "fake_live_slow"
    cancels_in_flight = False

    def supports(self, mode: str) -> bool:
        return True


@pytest.mark.usefixtures("short_wait")
async def test_a_processing_order_at_a_supplier_that_cannot_cancel_is_409(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    with registry(ctx, Registry([LiveSlow()], routes={"*": ["fake_live_slow"]})):
        org = await make_org(USD="100.00")
        async with ctx.db.unit_of_work() as s:
            await ledger.fund(s, org.id, "live", "USD", to_minor("100.00", "USD"))
        r = await client.post(
            "/v1/orders", json=order_body(metadata={"sandbox": "slow:300"}), headers=org.h("live")
        )
        assert r.status_code == 202 and r.json()["status"] == "processing", r.text
        c = await client.post(f"/v1/orders/{r.json()['id']}/cancel", headers=org.h("live"))
        assert c.status_code == 409 and c.json()["code"] == "order_not_cancelable"
        assert c.json()["order_status"] == "processing" and "fake_live_slow" in c.json()["detail"]
        assert (await fulfil_job(ctx, r.json()["id"])).status != "succeeded"  # still being fulfilled
