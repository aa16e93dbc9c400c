"""The sandbox supplier: a first-class adapter that fulfils test-mode orders instantly and
deterministically (the same order always gets the same code), without any outside call.

Magic values (docs/sandbox.md): put `"sandbox": "<scenario>"` in an order's metadata.
  slow          answers `processing`, then `fulfilled` once 2 s have passed since the order was made
                ("slow:5" waits 5 s)
  fail          a permanent failure: the order fails and is refunded
  transient     fails with a transient error on the first attempt, succeeds on the retry
  out_of_stock  out of stock: the next supplier of the route is tried, else the order is refunded
  timeout       the first attempt hangs past the supplier timeout, after having "placed" the
                purchase; the retry returns that same purchase (no second code)
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

from rewardkit.kit.db import utcnow
from rewardkit.suppliers.base import (
    OutOfStock,
    PlaceRequest,
    PlaceResult,
    Quote,
    SupplierPermanent,
    SupplierTransient,
)

SCENARIOS = ("slow", "fail", "transient", "out_of_stock", "timeout")


class SandboxSupplier:
    name = "sandbox"

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def supports(self, mode: str) -> bool:
        return mode == "test"  # never hands out codes for real money

    async def quote(self, product_id: str, currency: str, amount: int) -> Quote:
        return Quote(available=True, cost=amount, stock=None)

    async def place(self, req: PlaceRequest) -> PlaceResult:
        scenario, _, arg = req.metadata.get("sandbox", "").partition(":")
        if scenario == "fail":
            raise SupplierPermanent("permanent failure (metadata.sandbox=fail)")
        if scenario == "out_of_stock":
            raise OutOfStock("out of stock (metadata.sandbox=out_of_stock)")
        if scenario == "transient" and req.attempt < 2:
            raise SupplierTransient("transient failure (metadata.sandbox=transient)", retry_after=0)
        if scenario == "timeout" and req.attempt < 2:
            await asyncio.sleep(self.timeout + 1)  # the caller's timeout fires first
        if scenario == "slow":
            return await self.status(req)
        return self._voucher(req)

    async def status(self, req: PlaceRequest) -> PlaceResult:
        scenario, _, arg = req.metadata.get("sandbox", "").partition(":")
        if scenario == "slow":
            wait = float(arg) if arg.replace(".", "", 1).isdigit() else 2.0
            if utcnow() < req.created_at + timedelta(seconds=wait):
                return PlaceResult(status="processing", supplier_ref=self._ref(req))
        return self._voucher(req)

    async def cancel(self, req: PlaceRequest) -> bool:
        return True

    async def balance(self) -> dict[str, int] | None:
        return None

    def _ref(self, req: PlaceRequest) -> str:
        return "sbx_" + hashlib.sha256(f"sandbox-ref:{req.reference}".encode()).hexdigest()[:16]

    @staticmethod
    def _voucher_for(reference: str) -> str:
        """The code the sandbox gives an order: a pure function of our reference."""
        digest = hashlib.sha256(f"sandbox:{reference}".encode()).hexdigest().upper()
        return "-".join(["TEST", digest[0:4], digest[4:8], digest[8:12], digest[12:16]])

    def _voucher(self, req: PlaceRequest) -> PlaceResult:
        digest = hashlib.sha256(f"sandbox:{req.reference}".encode()).hexdigest().upper()
        code = self._voucher_for(req.reference)
        pin = str(int(digest[16:24], 16) % 10_000).zfill(4)
        expires = req.created_at + timedelta(days=req.validity_days) if req.validity_days else None
        return PlaceResult(status="fulfilled", supplier_ref=self._ref(req), code=code, pin=pin, expires_at=expires)
