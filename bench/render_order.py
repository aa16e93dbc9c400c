"""Micro-benchmark: an order rendered as a hand-built dict (orders/render.py `render`, the hot path)
against the same through the OrderOut model (`render_validated`). `python -m bench.render_order`.

The figure is written beside `render` (why the hot path keeps its dict)."""

from __future__ import annotations

import secrets
import timeit
from datetime import UTC, datetime
from typing import Any

from rewardkit.config import Settings
from rewardkit.kit.crypto import Keyring
from rewardkit.orders.models import Order, OrderTransition
from rewardkit.orders.render import render, render_validated


class _Runtime:
    """The two fields render() reads."""

    def __init__(self) -> None:
        self.settings = Settings(database_url="sqlite+aiosqlite:///:memory:", public_url="http://127.0.0.1:8000")
        self.keyring = Keyring.from_spec("k1:" + secrets.token_urlsafe(40))


def _order(rt: _Runtime) -> tuple[Order, list[OrderTransition]]:
    now = datetime.now(UTC)
    kr = rt.keyring
    order = Order(
        id="ord_01m8ac0j59y5hwxskkmbyqbyg0", org_id="org_1", mode="test", status="fulfilled",
        product_id="amazon_us", currency="USD", face_amount=5000, charge_currency="USD", charge_amount=5000,
        fx_rate=None, fx_markup_bps=None, recipient_email="user@acme.com", recipient_name=None,
        recipient_phone=None, external_id="reward-123", metadata_={"campaign": "q4"},
        voucher_token=kr.encrypt(secrets.token_urlsafe(24)), voucher_code=kr.encrypt("TEST-91A0-CEB3-D4A3-85CC"),
        voucher_pin=kr.encrypt("1032"), voucher_expires_at=now, created_at=now, updated_at=now, fulfilled_at=now,
        failure_code=None, failure_message=None,
    )  # fmt: skip
    steps = [("pending", None), ("processing", "pending"), ("fulfilled", "processing")]
    timeline = [
        OrderTransition(order_id=order.id, from_status=frm, to_status=to, reason="r", created_at=now)
        for to, frm in steps
    ]
    return order, timeline


def measure(number: int = 20_000) -> dict[str, float]:
    """Microseconds per render, best of five runs, for each way."""
    rt: Any = _Runtime()
    order, timeline = _order(rt)
    assert render(rt, order, timeline) == render_validated(rt, order, timeline)
    out = {}
    for name, fn in (("dict", render), ("model", render_validated)):

        def once(fn: Any = fn) -> None:
            fn(rt, order, timeline)

        best = min(timeit.repeat(once, number=number, repeat=5))
        out[name] = best / number * 1e6
    return out


def main() -> None:
    got = measure()
    print(f"hand-built dict {got['dict']:.1f} µs · through OrderOut {got['model']:.1f} µs per render")


if __name__ == "__main__":
    main()
