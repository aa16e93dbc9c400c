"""The Supplier protocol: every way of buying a reward (sandbox, inventory, an upstream vendor)
implements it, and the orders domain only ever talks to this interface.

Contract every adapter keeps:
- `place` is idempotent on `reference` (our order id): calling it again for the same reference never
  buys twice; it returns the state of the one purchase.
- Failures are typed: `SupplierTransient` (retry the same supplier later: timeouts, 5xx, 429),
  `SupplierPermanent` (this supplier will never fulfil this order) and `OutOfStock` (try the next).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


class SupplierError(Exception):
    code = "supplier_error"


class SupplierTransient(SupplierError):
    code = "supplier_unavailable"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SupplierPermanent(SupplierError):
    code = "supplier_rejected"


class OutOfStock(SupplierPermanent):
    code = "out_of_stock"


@dataclass(frozen=True)
class PlaceRequest:
    # Our order id: sent to the supplier as its idempotency key so a retried call never buys twice.
    reference: str
    mode: str
    product_id: str
    currency: str
    amount: int  # minor units
    validity_days: int | None
    created_at: datetime
    attempt: int = 1
    recipient_email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceResult:
    status: Literal["fulfilled", "processing"]
    supplier_ref: str | None = None
    code: str | None = None
    pin: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Quote:
    available: bool
    cost: int | None = None  # what the supplier charges us, minor units of the product currency
    stock: int | None = None


class Supplier(Protocol):
    name: str
    # Whether an order it is still processing may be canceled (POST /v1/orders/{id}/cancel): the
    # adapter's `cancel` must then guarantee that no code is handed out for that reference afterwards.
    cancels_in_flight: bool

    def supports(self, mode: str) -> bool: ...

    async def quote(self, product_id: str, currency: str, amount: int) -> Quote: ...

    async def place(self, req: PlaceRequest) -> PlaceResult: ...

    async def status(self, req: PlaceRequest) -> PlaceResult:
        """The state of an accepted purchase (after `place` answered `processing`)."""
        ...

    async def cancel(self, req: PlaceRequest) -> bool:
        """Cancel a purchase not yet fulfilled, where the supplier allows; False if it cannot."""
        ...

    async def balance(self) -> dict[str, int] | None:
        """Our prepaid balance at the supplier per currency, where it has one."""
        ...
