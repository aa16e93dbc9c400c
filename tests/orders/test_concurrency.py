"""Money under concurrency, on whichever database the suite runs on."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.conftest import MakeOrg, order_body


async def test_fifty_orders_race_for_a_balance_that_covers_ten(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="500.00")  # ten orders of 50.00
    results = await asyncio.gather(*[client.post("/v1/orders", json=order_body(), headers=org.h()) for _ in range(50)])
    codes = sorted(r.status_code for r in results)
    # Accepted orders answer 200, or 202 if the write contention made fulfilment outlast the fast path.
    assert codes.count(200) + codes.count(202) == 10, [r.text for r in results if r.status_code not in (200, 402)]
    assert codes.count(402) == 40
    await app.state.worker.drain()
    assert all(r.json()["code"] == "insufficient_funds" for r in results if r.status_code == 402)
    balances = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    assert balances[0]["available"]["minor_units"] == 0
    orders = (await client.get("/v1/orders", params={"limit": 100}, headers=org.h())).json()["data"]
    assert len(orders) == 10 and all(o["status"] == "fulfilled" for o in orders)


async def test_twenty_identical_idempotent_requests_make_one_order(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="1000.00")
    headers = org.h(**{"Idempotency-Key": "same-key-20"})
    results = await asyncio.gather(*[client.post("/v1/orders", json=order_body(), headers=headers) for _ in range(20)])
    assert {r.status_code for r in results} <= {200, 409}
    ids = {r.json()["id"] for r in results if r.status_code == 200}
    assert len(ids) == 1
    orders = (await client.get("/v1/orders", headers=org.h())).json()["data"]
    assert [o["id"] for o in orders] == list(ids)
    debits = [
        line
        for line in (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
        if line["type"] == "order_debit"
    ]
    assert len(debits) == 1
