"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

ANSWER: dict[str, Any] = {
    "object": "assistant_answer",
    "question": "How do I retry an order safely?",
    "answer": "From “Quickstart: 3. Retry safely, name a recipient”: Send an Idempotency-Key so that a retry "
    "(timeout, dropped connection) never buys twice, and say who the reward is for.",
    "refused": False,
    "confidence": 0.92,
    "citations": [
        {
            "kind": "guide",
            "title": "Quickstart: 3. Retry safely, name a recipient",
            "url": "/guides/quickstart#3-retry-safely-name-a-recipient",
            "page": "quickstart",
            "section": "3-retry-safely-name-a-recipient",
            "operation_id": None,
            "field": None,
            "score": 5.04,
        },
        {
            "kind": "operation",
            "title": "POST /v1/orders (createOrder): Create Order",
            "url": "/docs#/Orders/createOrder",
            "page": None,
            "section": None,
            "operation_id": "createOrder",
            "field": "Idempotency-Key",
            "score": 4.24,
        },
    ],
    "code_sample": {
        "operation_id": "createOrder",
        "language": "shell",
        "code": 'curl -X POST "${REWARDKIT_BASE_URL:-http://127.0.0.1:8000}/v1/orders" \\\n  '
        '-H "Authorization: Bearer $API_KEY" \\\n  '
        "-H \"Idempotency-Key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\" \\\n  "
        '-H "Content-Type: application/json" \\\n  '
        '-d \'{"currency": "USD", "denomination": 50, "product_id": "amazon_us"}\'',
    },
    "mode": "extractive",
}

RESPONSES: dict[str, Any] = {"askAssistant": ANSWER}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own.
REQUEST_EXAMPLES: dict[str, Any] = {"askAssistant": {"question": ANSWER["question"]}}
