"""Group commit of orders (docs/orders.md): orders placed at the same time share transactions, and each
still gets exactly what it would have got alone — its own answer, events, ledger lines and replay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.orders.state import OrdersState
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.webhooks.receiver import Receiver, Running

AMOUNTS = [10, 25, 50, 10, 25, 50, 100, 10]  # amazon_us sells 10, 25, 50, 100 and 200


def counters(ctx: Runtime, name: str) -> tuple[int, int, int]:
    """(batches, orders, orders sent one at a time) so far of the app's group commit `name` (booking or finishing)."""
    state = ctx.part(OrdersState)
    found = list(state.booking_writers()) if name == "booking" else list(state.finishing_writers())
    return sum(gc.batches for gc in found), sum(gc.items for gc in found), sum(gc.alone for gc in found)


async def place_at_once(
    client: httpx.AsyncClient, requests: list[tuple[OrgHandle, dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    return list(
        await asyncio.gather(
            *[client.post("/v1/orders", json=body, headers=org.h(**extra)) for org, body, extra in requests]
        )
    )


async def test_orders_of_several_orgs_placed_at_once_share_commits_and_each_is_exact(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    orgs = [await make_org(USD="1000.00") for _ in range(3)]
    requests = [
        (
            org,
            order_body(denomination=AMOUNTS[n], external_id=f"{org.id}-{n}"),
            {"Idempotency-Key": f"gc-{n}"} if n % 2 else {},
        )
        for org in orgs
        for n in range(8)
    ]
    booked_before, finished_before = counters(ctx, "booking"), counters(ctx, "finishing")
    results = await place_at_once(client, requests)
    assert [r.status_code for r in results] == [200] * 24, [r.text for r in results if r.status_code != 200]
    booked, finished = counters(ctx, "booking"), counters(ctx, "finishing")
    assert booked[1] - booked_before[1] == 24 and finished[1] - finished_before[1] == 24
    assert booked[0] - booked_before[0] < 24 and finished[0] - finished_before[0] < 24  # they did share
    assert booked[2] == booked_before[2] and finished[2] == finished_before[2]  # and none fell back

    for (org, body, _), r in zip(requests, results, strict=True):
        order = r.json()
        assert order["status"] == "fulfilled" and order["voucher"]["code"]
        assert order["external_id"] == body["external_id"]
        assert order["face_value"]["minor_units"] == body["denomination"] * 100
        assert [t["status"] for t in order["timeline"]] == ["pending", "processing", "fulfilled"]
        assert (await client.get(f"/v1/orders/{order['id']}", headers=org.h())).json() == order

    for org in orgs:  # 280.00 each, to the cent
        [usd] = (await client.get("/v1/balances", headers=org.h())).json()["data"]
        assert usd["available"]["minor_units"] == 100000 - 100 * sum(AMOUNTS) and usd["pending"]["minor_units"] == 0
        lines = (await client.get("/v1/balance_transactions", params={"limit": 100}, headers=org.h())).json()["data"]
        assert sorted(line["type"] for line in lines).count("order_debit") == 8
        events = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()["data"]
        per_order: dict[str, list[str]] = {}
        for e in reversed(events):  # oldest first
            if e["type"].startswith("order."):
                per_order.setdefault(e["data"]["id"], []).append(e["type"])
        assert len(per_order) == 8
        assert all(types == ["order.created", "order.processing", "order.fulfilled"] for types in per_order.values())

    # The keyed ones replay their stored answer, and nothing is booked twice.
    replays = await place_at_once(client, [req for req in requests if req[2]])
    originals = [r for req, r in zip(requests, results, strict=True) if req[2]]
    assert [r.json() for r in replays] == [r.json() for r in originals]
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in replays)


async def test_a_bad_order_among_good_ones_gets_its_own_error_and_the_others_go_through(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="1000.00")
    poor = await make_org(USD="5.00")
    requests = [
        (org, order_body(), {}),
        (org, order_body(product_id="no_such_product"), {"Idempotency-Key": "bad-product"}),
        (org, order_body(), {}),
        (org, order_body(country="FR"), {}),
        (poor, order_body(), {"Idempotency-Key": "poor"}),
        (org, order_body(), {"Idempotency-Key": "good"}),
    ]
    results = await place_at_once(client, requests)
    codes = [(r.status_code, r.json().get("code")) for r in results]
    assert codes[0] == codes[2] == codes[5] == (200, None)
    assert codes[1][0] == 404 and codes[3][0] == 422 and codes[4] == (402, "insufficient_funds"), codes
    # A failed order released its key: the corrected retry runs.
    retry = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "bad-product"}))
    assert retry.status_code == 200
    [usd] = (await client.get("/v1/balances", headers=poor.h())).json()["data"]
    assert usd["available"]["minor_units"] == 500


async def test_a_batch_the_wallet_cannot_cover_goes_one_at_a_time_and_crosses_the_low_balance_once(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="275.00")  # five orders of 50.00 fit, the sixth to twelfth do not
    results = await place_at_once(client, [(org, order_body(), {}) for _ in range(12)])
    assert sorted(r.status_code for r in results) == [200] * 5 + [402] * 7
    [usd] = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    assert usd["available"]["minor_units"] == 2500
    low = (await client.get("/v1/events", params={"type": "balance.low"}, headers=org.h())).json()["data"]
    assert len(low) == 1 and low[0]["data"]["available"]["value"] == "75.00"  # 125.00 -> 75.00 crossed 100.00


async def test_every_order_of_a_batch_reaches_the_webhook_endpoint(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="1000.00")
    async with Running(Receiver()) as receiver:
        r = await client.post(
            "/v1/webhook_endpoints",
            json={"url": receiver.url("/gc"), "enabled_events": ["order.fulfilled"]},
            headers=org.h(),
        )
        assert r.status_code == 200, r.text
        results = await place_at_once(client, [(org, order_body(), {}) for _ in range(10)])
        assert [r.status_code for r in results] == [200] * 10
        await app.state.worker.drain()
        for _ in range(100):
            if len(receiver.at("/gc")) >= 10:
                break
            await asyncio.sleep(0.05)
    got = sorted(__import__("json").loads(x.body)["data"]["id"] for x in receiver.at("/gc"))
    assert got == sorted(r.json()["id"] for r in results)


async def test_an_org_short_of_funds_leaves_the_batch_and_the_others_stay_in_it(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    rich = await make_org(USD="1000.00")
    poor = await make_org(USD="5.00")
    before = counters(ctx, "booking")
    requests = [(poor if n % 3 == 0 else rich, order_body(), {}) for n in range(9)]
    results = await place_at_once(client, requests)
    codes = [(org is poor, r.status_code) for (org, _, _), r in zip(requests, results, strict=True)]
    assert sorted(codes) == [(False, 200)] * 6 + [(True, 402)] * 3
    # Only the poor org's orders went one at a time: the rich one's were still written together.
    assert counters(ctx, "booking")[2] - before[2] == 3


async def test_a_commit_that_fails_after_it_may_have_committed_is_not_retried(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops just after COMMIT reached the database: the order is booked, the client gets
    a 503 as a single order would, and the batch is not written again (that would book a second order)."""
    org = await make_org(USD="100.00")
    real = ctx.db.unit_of_work
    failed: list[bool] = []

    @contextlib.asynccontextmanager
    async def commit_then_lose_the_connection(*, readonly: bool = False) -> AsyncIterator[Any]:
        async with real(readonly=readonly) as s:
            yield s
        if not readonly and not failed:
            failed.append(True)
            raise ConnectionError("connection lost after COMMIT")

    monkeypatch.setattr(ctx.db, "unit_of_work", commit_then_lose_the_connection)
    r = await client.post("/v1/orders", json=order_body(), headers=org.h())
    monkeypatch.setattr(ctx.db, "unit_of_work", real)
    assert r.status_code == 503 and r.json()["code"] == "service_unavailable", r.text
    debits = [
        line
        for line in (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
        if line["type"] == "order_debit"
    ]
    assert len(debits) == 1  # booked once, not twice
    orders = (await client.get("/v1/orders", headers=org.h())).json()["data"]
    assert len(orders) == 1 and orders[0]["status"] == "processing"  # its job takes over when the lease runs out
