"""The inventory supplier: hands out codes the operator bought in bulk and uploaded
(`rewardkit inventory import`, POST /v1/inventory/{product_id}/codes; docs/suppliers.md).

Every order takes exactly one code, once: `place` runs in its own transaction, returns the code
already assigned to the order if there is one (idempotent on the reference), else takes the oldest
usable code of the product and amount. When a take leaves the stock just below the low-stock threshold,
an operator event `inventory.low_stock` is written in the same transaction.

Supplier file entry: {"type": "inventory", "low_stock_threshold": 10, "modes": ["live"]} (the default modes)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError

from rewardkit.events.service import EventBus
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import Database, utcnow
from rewardkit.kit.money import money
from rewardkit.suppliers import inventory_service as inventory
from rewardkit.suppliers.base import OutOfStock, PlaceRequest, PlaceResult, Quote, SupplierPermanent, SupplierTransient
from rewardkit.suppliers.models import INVENTORY_LOW_STOCK, InventoryCode

DEFAULT_LOW_STOCK = 10


class InventorySupplier:
    cancels_in_flight = False  # it never answers `processing`: a code is taken or not
    def __init__(
        self,
        name: str,
        db: Database,
        keyring: Keyring,
        events: EventBus,
        *,
        low_stock_threshold: int = DEFAULT_LOW_STOCK,
        modes: Iterable[str] = ("live",),
    ) -> None:
        self.name = name
        self.db = db
        self.keyring = keyring
        self.events = events
        self.low_stock_threshold = low_stock_threshold
        self.modes = frozenset(modes)

    def supports(self, mode: str) -> bool:
        return mode in self.modes

    async def quote(self, product_id: str, currency: str, amount: int) -> Quote:
        async with self.db.unit_of_work(readonly=True) as s:
            stock = await inventory.remaining(s, product_id, currency, amount, utcnow())
        return Quote(available=stock > 0, cost=None, stock=stock)

    async def place(self, req: PlaceRequest) -> PlaceResult:
        try:
            return await self._place(req)
        except IntegrityError:
            # Another call for the same reference committed its code first (order_id is unique).
            async with self.db.unit_of_work(readonly=True) as s:
                row = await inventory.assigned(s, req.reference)
                if row is not None:
                    return self._result(row)
            raise SupplierTransient(f"{self.name}: concurrent placement for {req.reference}", retry_after=0) from None

    async def _place(self, req: PlaceRequest) -> PlaceResult:
        async with self.db.unit_of_work() as s:
            row = await inventory.assigned(s, req.reference)
            if row is not None:
                return self._result(row)
            now = utcnow()
            row = await inventory.take(s, req.product_id, req.currency, req.amount, req.reference, now)
            if row is None:
                raise OutOfStock(f"{self.name}: no {req.product_id} code of {req.amount} {req.currency} left")
            await inventory.lock_stock(s, req.product_id, req.currency, req.amount)
            left = await inventory.remaining(s, req.product_id, req.currency, req.amount, now)
            if left == self.low_stock_threshold - 1:  # only the take that crosses below the threshold
                await self.events.emit(
                    s,
                    None,
                    req.mode,
                    INVENTORY_LOW_STOCK,
                    {
                        "supplier": self.name,
                        "product_id": req.product_id,
                        "amount": money(req.amount, req.currency),
                        "remaining": left,
                        "threshold": self.low_stock_threshold,
                    },
                )
            return self._result(row)

    async def status(self, req: PlaceRequest) -> PlaceResult:
        async with self.db.unit_of_work(readonly=True) as s:
            row = await inventory.assigned(s, req.reference)
            if row is None:
                raise SupplierPermanent(f"{self.name}: no code was assigned to {req.reference}")
            return self._result(row)

    async def cancel(self, req: PlaceRequest) -> bool:
        """A code is handed out the moment it is taken: only an order that has none can be canceled."""
        async with self.db.unit_of_work(readonly=True) as s:
            return await inventory.assigned(s, req.reference) is None

    async def balance(self) -> dict[str, int] | None:
        return None

    def _result(self, row: InventoryCode) -> PlaceResult:
        return PlaceResult(
            status="fulfilled",
            supplier_ref=f"inv_{row.id}",
            code=self.keyring.decrypt(row.code),
            pin=self.keyring.decrypt(row.pin) if row.pin else None,
            expires_at=row.expires_at,
        )


def factory(name: str, conf: dict[str, Any], ctx: Any) -> InventorySupplier:
    threshold = conf.get("low_stock_threshold", DEFAULT_LOW_STOCK)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise ValueError(f"supplier {name}: low_stock_threshold must be a whole number >= 0")
    # Live only unless asked: a test key must not be able to draw real codes bought with real money.
    modes = conf.get("modes", ["live"])
    if not isinstance(modes, list) or not modes or not set(modes) <= {"test", "live"}:
        raise ValueError(f"supplier {name}: modes must be a non-empty list of 'test' and/or 'live'")
    return InventorySupplier(name, ctx.db, ctx.keyring, ctx.events, low_stock_threshold=threshold, modes=modes)
