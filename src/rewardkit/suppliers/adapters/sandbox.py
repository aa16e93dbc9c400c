"""The sandbox supplier: a first-class adapter that fulfils test-mode orders instantly and
deterministically (the same order always gets the same code), without any outside call."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from rewardkit.kit.db import utcnow
from rewardkit.suppliers.base import PlaceRequest, PlaceResult


class SandboxSupplier:
    name = "sandbox"

    def supports(self, mode: str) -> bool:
        return mode == "test"  # never hands out codes for real money

    async def place(self, req: PlaceRequest) -> PlaceResult:
        digest = hashlib.sha256(f"sandbox:{req.reference}".encode()).hexdigest().upper()
        code = "-".join(["TEST", digest[0:4], digest[4:8], digest[8:12], digest[12:16]])
        pin = str(int(digest[16:24], 16) % 10_000).zfill(4)
        expires = utcnow() + timedelta(days=req.validity_days) if req.validity_days else None
        return PlaceResult(
            status="fulfilled",
            supplier_ref=f"sbx_{digest[24:40].lower()}",
            code=code,
            pin=pin,
            expires_at=expires,
        )
