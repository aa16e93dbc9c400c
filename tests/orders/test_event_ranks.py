"""Order events are numbered by their step in the order's lifecycle (orders/models.py EVENT_RANKS),
not by a counter: that is only sound while every move climbs, which these tests hold the model to."""

from __future__ import annotations

import httpx

from rewardkit.orders.models import EVENT_OF_STATUS, EVENT_RANKS, EVENT_TYPES, ORDER_CREATED, TRANSITIONS
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body


def _event_of(status: str) -> str:
    return ORDER_CREATED if status == "pending" else EVENT_OF_STATUS[status]


def test_every_order_event_has_a_rank_and_every_move_climbs() -> None:
    assert set(EVENT_RANKS) == set(EVENT_TYPES)
    for before, afters in TRANSITIONS.items():
        for after in afters:
            assert EVENT_RANKS[_event_of(after)] > EVENT_RANKS[_event_of(before)], (before, after)


async def _sequences(client: httpx.AsyncClient, org: object, order_id: str) -> list[tuple[str, int]]:
    body = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()  # type: ignore[attr-defined]
    mine = [e for e in body["data"] if e["resource_id"] == order_id]
    return sorted(((e["type"], e["sequence"]) for e in mine), key=lambda x: x[1])


async def test_a_slow_order_canceled_while_processing_is_numbered_by_its_steps(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    # A slow sandbox order stays processing, so it can be canceled there (docs/sandbox.md).
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "slow:60"}), headers=org.h())
    assert r.status_code in (200, 202), r.text
    order_id = r.json()["id"]
    c = await client.post(f"/v1/orders/{order_id}/cancel", headers=org.h())
    assert c.status_code == 200, c.text
    assert await _sequences(client, org, order_id) == [
        (ORDER_CREATED, 1),
        ("order.processing", 2),
        ("order.canceled", 3),
    ]
