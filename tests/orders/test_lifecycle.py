"""The order state machine through the sandbox's magic values (docs/sandbox.md)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.runtime import Runtime
from rewardkit.suppliers.registry import Registry
from tests.conftest import MakeOrg, order_body


async def settle(app: FastAPI, client: httpx.AsyncClient, order_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Let a worker run every due job until the order is final."""
    for _ in range(200):
        await app.state.worker.drain()
        order: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=headers)).json()
        if order["status"] in {"fulfilled", "refunded", "canceled"}:
            return order
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} never became final: {order['status']}")


def statuses(order: dict[str, Any]) -> list[str]:
    return [t["status"] for t in order["timeline"]]


async def wallet(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, int]:
    b = (await client.get("/v1/balances", headers=headers)).json()["data"][0]
    return b["available"]["minor_units"], b["pending"]["minor_units"]


async def test_instant_order_timeline(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    assert statuses(order) == ["pending", "processing", "fulfilled"]
    assert order["timeline"][-1]["reason"] == "fulfilled by sandbox"
    assert order["timeline"][0]["from_status"] is None


async def test_slow_supplier_answers_202_then_fulfils_in_background(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0.3)
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "slow:1"}), headers=org.h())
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "processing" and r.json()["voucher_url"] is None
    assert await wallet(client, org.h()) == (5000, 5000)  # held while processing
    order = await settle(app, client, r.json()["id"], org.h())
    assert order["status"] == "fulfilled" and order["voucher_url"]
    assert statuses(order) == ["pending", "processing", "fulfilled"]
    assert await wallet(client, org.h()) == (5000, 0)


async def test_permanent_failure_is_refunded(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "fail"}), headers=org.h())
    assert r.status_code == 200
    order = r.json()
    assert order["status"] == "refunded"
    assert order["failure"]["code"] == "supplier_rejected"
    assert statuses(order) == ["pending", "processing", "failed", "refunded"]
    assert order["voucher_url"] is None and order["voucher"] is None
    assert await wallet(client, org.h()) == (10000, 0)
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert [line["type"] for line in lines] == ["refund", "order_debit", "funding"]


async def test_out_of_stock_with_no_other_supplier_is_refunded(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    order = (
        await client.post("/v1/orders", json=order_body(metadata={"sandbox": "out_of_stock"}), headers=org.h())
    ).json()
    assert order["status"] == "refunded" and order["failure"]["code"] == "out_of_stock"
    assert await wallet(client, org.h()) == (10000, 0)


async def test_transient_failure_succeeds_on_retry(app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "transient"}), headers=org.h())
    order = await settle(app, client, r.json()["id"], org.h())
    assert order["status"] == "fulfilled"
    assert statuses(order) == ["pending", "processing", "fulfilled"]


async def test_timeout_after_placing_does_not_buy_twice(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "timeout"}), headers=org.h())
    order = await settle(app, client, r.json()["id"], org.h())
    assert order["status"] == "fulfilled"
    sandbox = ctx.part(Registry).sandbox
    # The sandbox's code is a function of our reference: the retry got the same purchase back.
    assert order["voucher"]["code"] == sandbox._voucher_for(order["id"])
    debits = [
        line
        for line in (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
        if line["source_id"] == order["id"]
    ]
    assert [line["type"] for line in debits] == ["order_debit"]


async def test_cancel_pending_order_refunds_at_once(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx.settings, "sync_fulfillment_timeout", 0)  # leave it pending
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(), headers=org.h())
    assert r.status_code == 202 and r.json()["status"] == "pending"
    c = await client.post(f"/v1/orders/{r.json()['id']}/cancel", headers=org.h())
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "canceled" and statuses(c.json()) == ["pending", "canceled"]
    assert await wallet(client, org.h()) == (10000, 0)
    again = await client.post(f"/v1/orders/{r.json()['id']}/cancel", headers=org.h())
    assert again.status_code == 409 and again.json()["code"] == "order_not_cancelable"
    # The fulfilment job still runs, sees the cancellation, and does nothing.
    await ctx_drain(ctx)
    final = (await client.get(f"/v1/orders/{r.json()['id']}", headers=org.h())).json()
    assert final["status"] == "canceled"


async def ctx_drain(ctx: Runtime) -> None:
    from rewardkit.bootstrap import build_worker

    await build_worker(ctx).drain()


async def test_fulfilled_order_cannot_be_canceled_and_cancel_is_scoped(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org, other = await make_org(USD="100.00"), await make_org()
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h())
    assert r.status_code == 409 and r.json()["code"] == "order_not_cancelable"
    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=other.h())
    assert r.status_code == 404
    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=org.h("live"))
    assert r.status_code == 404


async def test_every_transition_writes_an_event(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    from sqlalchemy import select

    from rewardkit.events.models import Event
    from rewardkit.events.service import data_of

    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(metadata={"sandbox": "fail"}), headers=org.h())).json()
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = list(
            (
                await s.execute(
                    select(Event).where(Event.org_id == org.id, Event.type.like("order.%")).order_by(Event.id)
                )
            ).scalars()
        )
    assert [e.type for e in rows] == ["order.created", "order.processing", "order.failed", "order.refunded"]
    assert all(data_of(ctx.keyring, e)["id"] == order["id"] for e in rows)
    assert data_of(ctx.keyring, rows[-1])["status"] == "refunded"


@pytest.mark.parametrize(
    "value",
    ["slow:999999999", "slow:0", "slow:-1", "slow:abc", "slow:1e3", "fail:3", "exploded", "SLOW", "slow:301"],
)
async def test_a_sandbox_magic_value_out_of_bounds_is_a_422_and_nothing_is_held(
    client: httpx.AsyncClient, make_org: MakeOrg, value: str
) -> None:
    """`slow:999999999` held the order's funds for 31 years and polled once a second: every magic
    value is checked when the order is made (docs/sandbox.md), and nothing is debited."""
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": value}), headers=org.h())
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_sandbox_value" and body["errors"][0]["field"] == "metadata.sandbox"
    listed = await client.get("/v1/orders", headers=org.h())
    assert listed.json()["data"] == []
    balances = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    assert [b["available"]["value"] for b in balances] == ["100.00"]


@pytest.mark.parametrize("value", ["slow:300", "slow:0.5", "slow"])
async def test_a_sandbox_slow_order_within_bounds_is_accepted(
    client: httpx.AsyncClient, make_org: MakeOrg, value: str
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": value}), headers=org.h())
    assert r.status_code in (200, 202), r.text
