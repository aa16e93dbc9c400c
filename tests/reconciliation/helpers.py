"""What the reconciliation tests share: orders placed through the API with the sandbox supplier, their
supplier references read back, and a statement generated from them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from rewardkit.orders.models import Order
from rewardkit.runtime import Runtime
from tests.conftest import OrgHandle, order_body
from tests.links.helpers import problem as problem

R = "/v1/reconciliations"
CSV = {"Content-Type": "text/csv"}
HEADER = "supplier_ref,face_value,currency,fulfilled_at"


@dataclass(frozen=True)
class Placed:
    id: str
    ref: str
    face_minor: int
    currency: str
    day: date


async def _settle(ctx: Runtime, client: httpx.AsyncClient, order_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Let the worker run every due job until the order is final (as tests/orders/test_lifecycle.py does)."""
    assert ctx.worker is not None
    for _ in range(200):
        await ctx.worker.drain()
        order: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=headers)).json()
        if order["status"] in {"fulfilled", "refunded", "canceled"}:
            return order
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} never became final: {order['status']}")


async def place(ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, *denominations: int) -> list[Placed]:
    """Orders fulfilled by the sandbox (inline, the fast path), with the reference it gave each."""
    ids = []
    for d in denominations:
        r = await client.post("/v1/orders", json=order_body(denomination=d), headers=org.h())
        assert r.status_code in (200, 201, 202), r.text
        order = r.json()
        if order["status"] != "fulfilled":  # a busy machine outlasted sync_fulfillment_timeout: the job finishes it
            order = await _settle(ctx, client, order["id"], org.h())
        assert order["status"] == "fulfilled", order
        ids.append(order["id"])
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = {o.id: o for o in (await s.execute(select(Order).where(Order.id.in_(ids)))).scalars()}
    out = []
    for i in ids:
        o = rows[i]
        assert o.supplier == "sandbox" and o.supplier_ref and o.fulfilled_at is not None
        out.append(Placed(o.id, o.supplier_ref, o.face_amount, o.currency, o.fulfilled_at.date()))
    return out


def csv_line(ref: str, amount: str, currency: str, day: date | str) -> str:
    return f"{ref},{amount},{currency},{day}"


def statement(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


async def upload(
    client: httpx.AsyncClient, org: OrgHandle, body: bytes, supplier: str = "sandbox", **params: Any
) -> httpx.Response:
    return await client.post(R, params={"supplier": supplier, **params}, content=body, headers=org.h(**CSV))


async def lines(
    client: httpx.AsyncClient, org: OrgHandle, rcn_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100, **({"status": status} if status else {})}
    while True:
        r = await client.get(f"{R}/{rcn_id}/lines", params=params, headers=org.h())
        assert r.status_code == 200, r.text
        out.extend(r.json()["data"])
        if not r.json()["has_more"]:
            return out
        params["cursor"] = r.json()["next_cursor"]
