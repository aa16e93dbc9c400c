"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST, MONEY

ORDER: dict[str, Any] = {
    "id": "ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "object": "order",
    "livemode": False,
    "status": "fulfilled",
    "product_id": "amazon_us",
    "currency": "USD",
    "face_value": MONEY,
    "charged": MONEY,
    "fx": None,
    "recipient": {"email": "user@acme.com", "name": None, "phone": None},
    "external_id": "reward-123",
    "metadata": {"campaign": "q4"},
    "voucher_url": "http://127.0.0.1:8000/v/6ClP7GNZOUhXM1IdzWuzCfiVJxZwp7kO",
    "voucher": {
        "code": "TEST-91A0-CEB3-D4A3-85CC",
        "pin": "1032",
        "expires_at": "2027-11-25T22:07:55Z",
        "url": "http://127.0.0.1:8000/v/6ClP7GNZOUhXM1IdzWuzCfiVJxZwp7kO",
    },
    "failure": None,
    "timeline": [
        {"status": "pending", "from_status": None, "reason": "order created", "at": "2026-11-25T22:07:55.561Z"},
        {
            "status": "processing",
            "from_status": "pending",
            "reason": "sent to sandbox",
            "at": "2026-11-25T22:07:55.566Z",
        },
        {
            "status": "fulfilled",
            "from_status": "processing",
            "reason": "fulfilled by sandbox",
            "at": "2026-11-25T22:07:55.571Z",
        },
    ],
    "created_at": "2026-11-25T22:07:55.561Z",
    "updated_at": "2026-11-25T22:07:55.571Z",
    "fulfilled_at": "2026-11-25T22:07:55.571Z",
}
RESPONSES: dict[str, Any] = {
    "createOrder": ORDER,
    "getOrder": ORDER,
    "cancelOrder": {**ORDER, "status": "canceled", "voucher_url": None, "voucher": None, "fulfilled_at": None},
    "listOrders": {**LIST, "data": [ORDER]},
}
