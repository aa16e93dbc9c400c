"""Response bodies of the operator's inventory endpoints (suppliers/api.py)."""

from __future__ import annotations

from typing import Literal

from rewardkit.kit.responses import ListObject, Money, ResponseModel


class StockOut(ResponseModel):
    """Codes of one product and denomination: available (usable now), used, expired (never handed out)."""

    product_id: str
    currency: str
    amount: Money
    available: int
    used: int
    expired: int


class InventoryImportOut(ResponseModel):
    object: Literal["inventory_import"] = "inventory_import"
    product_id: str
    imported: int
    stock: list[StockOut]


class StockList(ListObject):
    data: list[StockOut]
