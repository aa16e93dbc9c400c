"""Helpers shared by the supplier tests: products of their own, settings and registry overrides, settling."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from rewardkit.catalog.models import Product
from rewardkit.catalog.schemas import ProductIn
from rewardkit.catalog.service import ProductCache, import_products
from rewardkit.runtime import Runtime
from rewardkit.suppliers.registry import Registry

FINAL = {"fulfilled", "refunded", "canceled"}


async def new_product(ctx: Runtime, stem: str, fixed: list[int] | None = None, currency: str = "USD") -> str:
    """A product no other test uses (fixed denominations in minor units, default 10.00 and 25.00)."""
    pid = f"inv_{stem}_{secrets.token_hex(4)}"
    item = ProductIn.model_validate(
        {
            "id": pid,
            "brand": "Stockroom",
            "name": f"Stockroom {stem}",
            "category": "gift_card",
            "countries": ["US"],
            "currency": currency,
            "denominations": {"fixed": fixed or [1000, 2500]},
            "validity_days": 365,
        }
    )
    async with ctx.db.unit_of_work() as s:
        await import_products(s, [item], ctx.part(ProductCache))
    return pid


async def retire_products(ctx: Runtime, ids: list[str]) -> None:
    """Products with orders cannot be deleted: hide them so catalog listings stay as other tests expect."""
    if ids:
        async with ctx.db.unit_of_work() as s:
            await s.execute(update(Product).where(Product.id.in_(ids)).values(active=False))


@contextmanager
def overridden(ctx: Runtime, **values: Any) -> Iterator[None]:
    """Set settings fields for the duration of a block (Settings is a pydantic model: bypass its setattr)."""
    old = {k: getattr(ctx.settings, k, None) for k in values}
    try:
        for k, v in values.items():
            object.__setattr__(ctx.settings, k, v)
        yield
    finally:
        for k, v in old.items():
            object.__setattr__(ctx.settings, k, v)


@contextmanager
def registry(ctx: Runtime, reg: Registry) -> Iterator[Registry]:
    """Swap the app's supplier registry, and put the original back afterwards."""
    original = ctx.part(Registry)
    ctx.put(reg)
    try:
        yield reg
    finally:
        ctx.put(original)


async def settle(
    app: FastAPI, client: httpx.AsyncClient, ids: list[str], headers: dict[str, str], seconds: float = 60
) -> list[dict[str, Any]]:
    """Run due jobs until every order is final; returns the orders in the order of `ids`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    final: dict[str, dict[str, Any]] = {}
    while True:
        await app.state.worker.drain()
        for oid in ids:
            if oid not in final:
                order = (await client.get(f"/v1/orders/{oid}", headers=headers)).json()
                if order["status"] in FINAL:
                    final[oid] = order
        if len(final) == len(ids):
            return [final[oid] for oid in ids]
        if loop.time() > deadline:
            raise AssertionError(f"{len(ids) - len(final)} order(s) never became final")
        await asyncio.sleep(0.05)
