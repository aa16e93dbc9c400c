"""The sandbox supplier: a first-class adapter that fulfils test-mode orders instantly and
deterministically (the same order always gets the same code), without any outside call.

Magic values (docs/sandbox.md): put `"sandbox": "<scenario>"` in an order's metadata.
  slow          answers `processing`, then `fulfilled` once 2 s have passed since the order was made
                ("slow:5" waits 5 s; at most MAX_SLOW_SECONDS)
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
DEFAULT_SLOW_SECONDS = 2.0
# A sandbox order holds its funds while it is "slow": five minutes is enough to watch 202, polling and
# webhooks, and an order can never hold test funds (and poll) for days.
MAX_SLOW_SECONDS = 300.0


def check_magic_value(value: str) -> str | None:
    """Why `metadata.sandbox` is not a magic value the sandbox knows (None: it is one). Orders check it
    when they are made, so a typo or an unbounded delay is a 422 at once, not a surprise later."""
    scenario, colon, arg = value.partition(":")
    if scenario not in SCENARIOS:
        return f"unknown sandbox scenario {scenario!r}; known: {', '.join(SCENARIOS)} (docs/sandbox.md)"
    if colon and scenario != "slow":
        return f"the sandbox scenario {scenario!r} takes no argument"
    if scenario == "slow" and colon:
        try:
            seconds = float(arg)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= MAX_SLOW_SECONDS or not arg.replace(".", "", 1).isdigit():
            return f"slow:<seconds> takes 0 < seconds <= {MAX_SLOW_SECONDS:g}, e.g. slow:10"
    return None


def _slow_seconds(arg: str) -> float:
    """The delay of `slow:<arg>`, bounded even for an order made before the bound was checked."""
    if not arg.replace(".", "", 1).isdigit():
        return DEFAULT_SLOW_SECONDS
    return min(float(arg), MAX_SLOW_SECONDS)


class SandboxSupplier:
    name = "sandbox"
    # Nothing is bought before the slow delay has passed, and the order's status guards the answer:
    # a canceled sandbox order can never be fulfilled.
    cancels_in_flight = True

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
            wait = _slow_seconds(arg)
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
