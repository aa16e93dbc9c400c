"""Per-resource sequence numbers: every event about an object carries its place among that object's
events, so a receiver can tell a stale update from a new one whatever order deliveries arrive in."""

from __future__ import annotations

import asyncio
import json

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.events.models import Event
from rewardkit.runtime import Runtime
from rewardkit.webhooks.models import WEBHOOK_TEST
from tests.conftest import MakeOrg, order_body
from tests.webhooks.receiver import Receiver, Running


async def events_of(client: httpx.AsyncClient, headers: dict[str, str], resource_id: str) -> list[dict[str, object]]:
    body = (await client.get("/v1/events", params={"limit": 100}, headers=headers)).json()
    return sorted((e for e in body["data"] if e["resource_id"] == resource_id), key=lambda e: e["sequence"])


async def test_an_orders_events_are_numbered_1_2_3_in_the_order_they_happened(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    async with Running(Receiver()) as receiver:
        r = await client.post("/v1/webhook_endpoints", json={"url": receiver.url()}, headers=org.h())
        assert r.status_code == 200, r.text
        order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
        await app.state.worker.drain()
        got = [json.loads(x.body) for x in receiver.received]
    mine = await events_of(client, org.h(), order["id"])
    assert [(e["type"], e["sequence"]) for e in mine] == [
        ("order.created", 1),
        ("order.processing", 2),
        ("order.fulfilled", 3),
    ]
    # The webhook carries the same resource_id and sequence as the event API.
    delivered = {p["id"]: p for p in got}
    for e in mine:
        assert delivered[e["id"]]["resource_id"] == order["id"]
        assert delivered[e["id"]]["sequence"] == e["sequence"]
    one = (await client.get(f"/v1/events/{mine[1]['id']}", headers=org.h())).json()
    assert one["resource_id"] == order["id"] and one["sequence"] == 2


async def test_orders_placed_at_once_each_count_from_one(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """Concurrent orders (grouped into one commit by the batch path, or not) never share a counter."""
    org = await make_org(USD="1000.00")
    placed = await asyncio.gather(*(client.post("/v1/orders", json=order_body(), headers=org.h()) for _ in range(8)))
    for r in placed:
        assert r.status_code in (200, 201, 202), r.text
        numbers = [e["sequence"] for e in await events_of(client, org.h(), r.json()["id"])]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2


async def test_concurrent_transactions_for_one_resource_get_distinct_consecutive_numbers(
    ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    resource = "whe_sequence_race"

    async def emit_one() -> int | None:
        async with ctx.db.unit_of_work() as s:
            event = await ctx.events.emit(
                s, org.id, "test", WEBHOOK_TEST, {"object": "webhook_test"}, fan_out=False, resource_id=resource
            )
        return event.sequence

    numbers = await asyncio.gather(*(emit_one() for _ in range(12)))
    assert sorted(n for n in numbers if n is not None) == list(range(1, 13))
    async with ctx.db.unit_of_work(readonly=True) as s:
        stored = (await s.execute(select(Event.sequence).where(Event.resource_id == resource))).scalars().all()
    assert sorted(n for n in stored if n is not None) == list(range(1, 13))


async def test_test_events_count_with_their_endpoint(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    ep = (await client.post("/v1/webhook_endpoints", json={"url": "http://127.0.0.1:9/x"}, headers=org.h())).json()
    for _ in range(2):
        assert (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).status_code == 200
    assert [e["sequence"] for e in await events_of(client, org.h(), ep["id"])] == [1, 2]


async def test_balance_events_count_per_currency_balance_of_each_org_and_mode(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    """A balance has no id of its own: its events are about `bal_<currency>`, counted per org and mode."""
    from rewardkit.ledger import service as ledger

    org, other = await make_org(), await make_org()
    async with ctx.db.unit_of_work() as s:
        await ledger.fund_wallet(s, ctx.events, org.id, "test", "USD", 15000)  # 150.00
        await ledger.fund_wallet(s, ctx.events, org.id, "test", "EUR", 1000)
        await ledger.fund_wallet(s, ctx.events, org.id, "live", "USD", 1000)
        await ledger.fund_wallet(s, ctx.events, other.id, "test", "USD", 1000)
    await client.post("/v1/orders", json=order_body(), headers=org.h())  # 150 -> 100 -> below on the next
    await client.post("/v1/orders", json=order_body(), headers=org.h())
    usd = await events_of(client, org.h(), "bal_USD")
    assert [(e["type"], e["sequence"]) for e in usd] == [("balance.funded", 1), ("balance.low", 2)]
    assert [e["sequence"] for e in await events_of(client, org.h(), "bal_EUR")] == [1]
    assert [e["sequence"] for e in await events_of(client, org.h("live"), "bal_USD")] == [1]
    assert [e["sequence"] for e in await events_of(client, other.h(), "bal_USD")] == [1]
