"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST

PRODUCT = {
    "id": "amazon_us",
    "object": "product",
    "brand": "Amazon",
    "name": "Amazon.com Gift Card",
    "category": "gift_card",
    "countries": ["US"],
    "currency": "USD",
    "denominations": {"type": "fixed", "values": ["10.00", "25.00", "50.00", "100.00", "200.00"]},
    "description": "Millions of items, one card.",
    "redemption_instructions": "Enter the code at amazon.com/redeem.",
    "terms": "Not redeemable for cash.",
    "image_url": "/static/img/gift_card.svg",
    "validity_days": 365,
}
CATEGORY = {"id": "gift_card", "object": "category", "name": "Gift cards", "product_count": 215}
COUNTRY = {"id": "DE", "object": "country", "name": "Germany", "currencies": ["EUR"], "product_count": 21}
RESPONSES: dict[str, Any] = {
    "listProducts": {**LIST, "data": [PRODUCT], "has_more": True, "next_cursor": "YW1hem9uX3Vz"},
    "getProduct": PRODUCT,
    "listCategories": {**LIST, "data": [CATEGORY]},
    "listCountries": {**LIST, "data": [COUNTRY]},
}
