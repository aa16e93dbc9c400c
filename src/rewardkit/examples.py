"""Examples for the OpenAPI description: one per resource, shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.auth.schemas import BRANDING_EXAMPLE

MONEY = {"currency": "USD", "minor_units": 5000, "value": "50.00"}
ORDER: dict[str, Any] = {
    "id": "ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "order_id": "ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "object": "order",
    "livemode": False,
    "status": "fulfilled",
    "product_id": "amazon_us",
    "currency": "USD",
    "denomination": "50.00",
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
PRODUCT = {
    "id": "amazon_us",
    "object": "product",
    "brand": "Amazon",
    "name": "Amazon.com Gift Card",
    "category": "gift_card",
    "countries": ["US"],
    "currency": "USD",
    "denominations": {"type": "fixed", "values": ["10.00", "25.00", "50.00", "100.00", "200.00"]},
    "description": "Millions of items, one card.",
    "redemption_instructions": "Enter the code at amazon.com/redeem.",
    "terms": "Not redeemable for cash.",
    "image_url": "/static/img/gift_card.svg",
    "validity_days": 365,
}
CATEGORY = {"id": "gift_card", "object": "category", "name": "Gift cards", "product_count": 215}
COUNTRY = {"id": "DE", "object": "country", "name": "Germany", "currencies": ["EUR"], "product_count": 21}
BALANCE = {
    "object": "balance",
    "currency": "USD",
    "available": {"currency": "USD", "minor_units": 990000, "value": "9900.00"},
    "pending": {"currency": "USD", "minor_units": 0, "value": "0.00"},
}
BALANCE_TRANSACTION = {
    "id": "btx_42",
    "object": "balance_transaction",
    "transaction_id": "ltx_01m8ac0j5bq6k3",
    "type": "order_debit",
    "currency": "USD",
    "amount": {"currency": "USD", "minor_units": -5000, "value": "-50.00"},
    "balance_after": {"currency": "USD", "minor_units": 990000, "value": "9900.00"},
    "description": "Order ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "source_id": "ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "created_at": "2026-11-25T22:07:55.561Z",
}
ENDPOINT = {
    "id": "whe_01m8ag2x1c",
    "object": "webhook_endpoint",
    "livemode": False,
    "url": "https://example.com/hooks/rewardkit",
    "description": "",
    "enabled_events": ["order.fulfilled"],
    "enabled": True,
    "disabled_reason": None,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "created_at": "2026-11-25T22:10:00Z",
    "updated_at": "2026-11-25T22:10:00Z",
}
DELIVERY = {
    "id": "whd_01m8ag3",
    "object": "webhook_delivery",
    "endpoint_id": "whe_01m8ag2x1c",
    "event_id": "evt_01m8ag2z",
    "event_type": "order.fulfilled",
    "status": "succeeded",
    "attempts": [
        {
            "attempt": 1,
            "status_code": 503,
            "latency_ms": 12,
            "response_excerpt": "busy",
            "error": None,
            "at": "2026-11-25T22:10:01Z",
        },
        {
            "attempt": 2,
            "status_code": 200,
            "latency_ms": 9,
            "response_excerpt": "ok",
            "error": None,
            "at": "2026-11-25T22:10:06Z",
        },
    ],
    "created_at": "2026-11-25T22:10:01Z",
}
EVENT = {
    "id": "evt_01m8ag2z",
    "object": "event",
    "type": "order.fulfilled",
    "livemode": False,
    "created_at": "2026-11-25T22:07:55.571Z",
    "data": ORDER,
}

STOCK = {"product_id": "amazon_us", "currency": "USD", "amount": MONEY, "available": 500, "used": 0, "expired": 0}
# operationId -> (example of the 200/201 body). Lists are wrapped in the list envelope.
_LIST = {"object": "list", "has_more": False, "next_cursor": None}
RESPONSES: dict[str, Any] = {
    "createOrder": ORDER,
    "getOrder": ORDER,
    "cancelOrder": {**ORDER, "status": "canceled", "voucher_url": None, "voucher": None, "fulfilled_at": None},
    "listOrders": {**_LIST, "data": [ORDER]},
    "listProducts": {**_LIST, "data": [PRODUCT], "has_more": True, "next_cursor": "YW1hem9uX3Vz"},
    "getProduct": PRODUCT,
    "listCategories": {**_LIST, "data": [CATEGORY]},
    "listCountries": {**_LIST, "data": [COUNTRY]},
    "listBalances": {"object": "list", "livemode": False, "data": [BALANCE]},
    "listBalanceTransactions": {**_LIST, "data": [BALANCE_TRANSACTION]},
    "createWebhookEndpoint": ENDPOINT,
    "listWebhookEndpoints": {**_LIST, "data": [{**ENDPOINT, "secret": None}]},
    "getWebhookEndpoint": {**ENDPOINT, "secret": None},
    "updateWebhookEndpoint": {**ENDPOINT, "secret": None},
    "deleteWebhookEndpoint": {"id": "whe_01m8ag2x1c", "object": "webhook_endpoint", "deleted": True},
    "rotateWebhookSecret": {**ENDPOINT, "secret": "whsec_NewSecretShownOnce0000000000000000"},
    "testWebhookEndpoint": {
        "object": "webhook_delivery",
        "id": "whd_01m8ag3",
        "event_id": "evt_01m8ag2z",
        "status": "pending",
    },
    "listWebhookDeliveries": {**_LIST, "data": [DELIVERY]},
    "listEvents": {**_LIST, "data": [EVENT]},
    "getEvent": EVENT,
    "redeliverEvent": {
        "object": "list",
        "data": [
            {"object": "webhook_delivery", "id": "whd_01m8ah0", "endpoint_id": "whe_01m8ag2x1c", "status": "pending"}
        ],
    },
    "listInventory": {
        **_LIST,
        "data": [
            {"product_id": "amazon_us", "currency": "USD", "amount": MONEY, "available": 480, "used": 20, "expired": 0}
        ],
    },
    "importInventoryCodes": {
        "object": "inventory_import",
        "product_id": "amazon_us",
        "imported": 500,
        "stock": [STOCK],
    },
    "getBranding": BRANDING_EXAMPLE,
    "updateBranding": BRANDING_EXAMPLE,
    "healthz": {"status": "ok"},
    "readyz": {"status": "ready", "migration": "0005"},
}
