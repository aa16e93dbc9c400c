"""A claim is checked against its one product (choices.allowed) while the claim view lists the choice
(choices.offered): both must agree on every product, for every kind of choice, or a recipient could
be shown what they cannot claim, or claim what they were not shown."""

from __future__ import annotations

from typing import Any

import pytest

from rewardkit.catalog import service as catalog
from rewardkit.links import choices
from rewardkit.runtime import Runtime

CHOICES: list[dict[str, Any] | None] = [
    None,
    {"categories": ["gift_card"]},
    {"categories": ["charity", "mobile_topup"]},
    {"brands": ["amazon"]},  # the catalog matches brands case-insensitively
    {"products": ["amazon_us", "amazon_de", "nope_never"]},
]


async def _sample(ctx: Runtime) -> list[dict[str, Any]]:
    got = await catalog.list_products(
        ctx, country=None, currency=None, category=None, brand=None, denomination=None, q=None, cursor=None, limit=100
    )
    return list(got["data"])


@pytest.mark.parametrize("choice", CHOICES)
@pytest.mark.parametrize(
    ("currency", "country", "remaining", "whole"),
    [("USD", "US", 2500, True), ("USD", "US", 10000, False), ("EUR", "DE", 5000, False), ("USD", None, 1000, False)],
)
async def test_a_claim_accepts_exactly_what_the_view_offers(
    ctx: Runtime, choice: dict[str, Any] | None, currency: str, country: str | None, remaining: int, whole: bool
) -> None:
    shown = {p["id"]: p for p in await choices.offered(ctx, currency, country, choice, remaining, whole)}
    products = {p["id"] for p in await _sample(ctx)} | set(shown) | {"amazon_us", "amazon_de"}
    for product_id in sorted(products):
        got = await choices.allowed(ctx, currency, country, choice, product_id, remaining, whole)
        if product_id in shown:
            assert got == shown[product_id], product_id
        elif len(shown) < choices.MAX_CHOICES:  # a capped listing may leave claimable products out
            assert got is None, (product_id, choice)
    assert await choices.allowed(ctx, currency, country, choice, "nope_never", remaining, whole) is None
