"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST
from rewardkit.orders.examples import ORDER

ENDPOINT = {
    "id": "whe_01m8ag2x1c",
    "object": "webhook_endpoint",
    "livemode": False,
    "url": "https://example.com/hooks/rewardkit",
    "description": "",
    "enabled_events": ["order.fulfilled"],
    "enabled": True,
    "ordered": False,
    "disabled_reason": None,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "api_version": "2026-12-01",
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
    "resource_id": ORDER["id"],
    "sequence": 3,
    "data": ORDER,
}

RESPONSES: dict[str, Any] = {
    "createWebhookEndpoint": ENDPOINT,
    "listWebhookEndpoints": {**LIST, "data": [{**ENDPOINT, "secret": None}]},
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
    "listWebhookDeliveries": {**LIST, "data": [DELIVERY]},
    "listEvents": {**LIST, "data": [EVENT]},
    "getEvent": EVENT,
    "redeliverEvent": {
        "object": "list",
        "data": [
            {"object": "webhook_delivery", "id": "whd_01m8ah0", "endpoint_id": "whe_01m8ag2x1c", "status": "pending"}
        ],
    },
}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own.
REQUEST_EXAMPLES: dict[str, Any] = {
    "updateWebhookEndpoint": {"description": "Order events for the fulfilment service", "enabled": True},
    "rotateWebhookSecret": {"overlap_hours": 24},
    "redeliverEvent": {},
}
