"""The Supplier protocol: every way of buying a reward (sandbox, inventory, an upstream vendor)
implements it, and the orders domain only ever talks to this interface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True)
class PlaceRequest:
    # Our order id: sent to the supplier as its idempotency key so a retried call never buys twice.
    reference: str
    product_id: str
    currency: str
    amount: int  # minor units
    validity_days: int | None
    recipient_email: str | None = None


@dataclass(frozen=True)
class PlaceResult:
    status: Literal["fulfilled", "processing", "failed"]
    supplier_ref: str | None = None
    code: str | None = None
    pin: str | None = None
    expires_at: datetime | None = None
    failure_code: str | None = None
    failure_message: str | None = None


class Supplier(Protocol):
    name: str

    def supports(self, mode: str) -> bool: ...

    async def place(self, req: PlaceRequest) -> PlaceResult: ...
