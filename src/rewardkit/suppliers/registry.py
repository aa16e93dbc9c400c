"""Which supplier fulfils an order. Test mode always uses the sandbox; live routing per product
arrives with the inventory and http adapters."""

from __future__ import annotations

from rewardkit.suppliers.adapters.sandbox import SandboxSupplier
from rewardkit.suppliers.base import Supplier


class Registry:
    def __init__(self, suppliers: list[Supplier] | None = None) -> None:
        self._suppliers = {s.name: s for s in (suppliers or [SandboxSupplier()])}

    def route(self, mode: str, product_id: str) -> Supplier | None:
        for supplier in self._suppliers.values():
            if supplier.supports(mode):
                return supplier
        return None
