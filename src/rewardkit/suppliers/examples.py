"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST, MONEY

STOCK = {"product_id": "amazon_us", "currency": "USD", "amount": MONEY, "available": 500, "used": 0, "expired": 0}
RESPONSES: dict[str, Any] = {
    "listInventory": {
        **LIST,
        "data": [
            {"product_id": "amazon_us", "currency": "USD", "amount": MONEY, "available": 480, "used": 20, "expired": 0}
        ],
    },
    "importInventoryCodes": {
        "object": "inventory_import",
        "product_id": "amazon_us",
        "imported": 500,
        "stock": [STOCK],
    },
}
