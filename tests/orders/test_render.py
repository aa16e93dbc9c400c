"""An order renders as a plain dict (the hot path) that must equal what the OrderOut model makes of it:
same fields, same order, same JSON forms (datetimes as pydantic writes them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rewardkit.orders import render, repository
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body

CASES: list[dict[str, Any]] = [
    order_body(),
    order_body(recipient={"email": "a@b.co", "name": "Ada"}, external_id="emp-1", metadata={"team": "x"}),
    order_body(recipient="someone@example.com"),
    {"product_id": "amazon_de", "denomination": 50, "currency": "EUR"},  # paid from USD through FX
    order_body(metadata={"sandbox": "fail"}),  # refunded, with a failure
]


@pytest.mark.parametrize("body", CASES)
async def test_render_equals_the_order_model(
    body: dict[str, Any], client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="1000.00")
    created = await client.post("/v1/orders", json=body, headers=org.h())
    assert created.status_code == 200, created.text
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, org.id, "test", created.json()["id"])
        assert order is not None
        timeline = await repository.timeline(s, order.id)
    fast = render.render(ctx, order, timeline)
    model = render.render_validated(ctx, order, timeline)
    assert fast == model and list(fast) == list(model)
    assert fast == created.json()  # the response was rendered the same way
