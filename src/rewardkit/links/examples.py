"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.catalog.examples import PRODUCT
from rewardkit.kit.examples import LIST
from rewardkit.orders.examples import ORDER

_VALUE: dict[str, Any] = {"currency": "USD", "minor_units": 2500, "value": "25.00"}
_ZERO: dict[str, Any] = {"currency": "USD", "minor_units": 0, "value": "0.00"}

REWARD_LINK: dict[str, Any] = {
    "id": "rwl_01m8ac0j59y5hwxskkmbyqbyg0",
    "object": "reward_link",
    "livemode": False,
    "status": "created",
    "url": "http://127.0.0.1:8000/l/h0dDWl1wsZk4bwVnN0AUJw7Tq3uXc9yA",
    "currency": "USD",
    "value": _VALUE,
    "remaining": _VALUE,
    "choice": {"products": ["amazon_us"], "categories": None, "brands": None},
    "recipient": {"email": "ada@example.com", "name": "Ada", "phone": None, "country": "US"},
    "delivery": "none",
    "message": "Thanks for your help!",
    "sender_name": "Acme",
    "expires_at": "2027-02-23T22:07:55.561Z",
    "allow_split": False,
    "reminders": [],
    "external_id": "thanks-42",
    "metadata": {"campaign": "q4"},
    "orders": [],
    "verification": "none",
    "timeline": [
        {"status": "created", "from_status": None, "reason": "link created", "at": "2026-11-25T22:07:55.561Z"}
    ],
    "created_at": "2026-11-25T22:07:55.561Z",
    "updated_at": "2026-11-25T22:07:55.561Z",
}
_CLAIM_PRODUCT = {**PRODUCT, "denominations": {"type": "fixed", "values": ["25.00"]}}
LINK_CLAIM: dict[str, Any] = {
    "object": "link_claim",
    "livemode": False,
    "status": "opened",
    "currency": "USD",
    "value": _VALUE,
    "remaining": _VALUE,
    "message": "Thanks for your help!",
    "sender_name": "Acme",
    "expires_at": "2027-02-23T22:07:55.561Z",
    "allow_split": False,
    "choices": [_CLAIM_PRODUCT],
    "verification": "none",
    "verification_required": False,
}
REWARD_LINK_BATCH: dict[str, Any] = {
    "object": "reward_link_batch",
    "livemode": False,
    "created": 1,
    "failed": 1,
    "reserved": [_VALUE],
    "data": [
        {"index": 0, "status": "created", "link": REWARD_LINK, "error": None},
        {
            "index": 1,
            "status": "failed",
            "link": None,
            "error": {
                "type": "/problems/value_not_allowed",
                "title": "No product of the choice sells this value",
                "status": 422,
                "detail": "No product of the choice is sold in US for exactly 7 USD: see the denominations in "
                "GET /v1/products.",
                "code": "value_not_allowed",
                "errors": [
                    {
                        "field": "value",
                        "in": "body",
                        "pointer": "/links/1/value",
                        "message": "no product of the choice sells it",
                    }
                ],
            },
        },
    ],
}
LINK_DELIVERY: dict[str, Any] = {
    "id": "lkd_01m8ad3k9q3c6v0m1x2r5t7y8z",
    "object": "link_delivery",
    "channel": "email",
    "kind": "link",
    "destination": "a***@example.com",
    "status": "sent",
    "attempts": 1,
    "error_code": None,
    "created_at": "2026-11-25T22:07:55.561Z",
    "sent_at": "2026-11-25T22:07:56.102Z",
    "updated_at": "2026-11-25T22:07:56.102Z",
}
RESPONSES: dict[str, Any] = {
    "createRewardLink": REWARD_LINK,
    "createRewardLinkBatch": REWARD_LINK_BATCH,
    "getRewardLink": REWARD_LINK,
    "listRewardLinks": {**LIST, "data": [REWARD_LINK]},
    "cancelRewardLink": {**REWARD_LINK, "status": "canceled", "remaining": _ZERO},
    "getLinkClaim": LINK_CLAIM,
    "redeemLinkClaim": {
        "object": "link_redemption",
        "order": ORDER,
        "link": {**LINK_CLAIM, "status": "claimed", "remaining": _ZERO, "choices": []},
    },
    "resendRewardLink": {
        **LINK_DELIVERY,
        "id": "lkd_01m8ae7q2w4e6r8t0y2u4i6o8p",
        "kind": "resend",
        "status": "queued",
        "attempts": 0,
        "sent_at": None,
    },
    "listRewardLinkDeliveries": {**LIST, "data": [LINK_DELIVERY]},
    "reportEmailBounce": {
        "object": "email_bounce",
        "type": "hard",
        "delivery": {**LINK_DELIVERY, "status": "bounced", "error_code": "email_bounced"},
    },
    "sendLinkVerification": {
        "object": "link_verification",
        "sent_to": "a***@example.com",
        "expires_at": "2026-11-25T22:17:55Z",
        "resend_after": "2026-11-25T22:08:55Z",
        "attempts": 5,
    },
    "checkLinkVerification": {
        "object": "link_verification_grant",
        "verification_token": "1795903075.5b0e1f3c9a7d2e8f4c6b1a0d9e8f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
        "expires_at": "2026-11-25T22:37:55Z",
    },
}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own; the value matches the createRewardLink example's (25 USD of amazon_us).
REQUEST_EXAMPLES: dict[str, Any] = {
    "redeemLinkClaim": {"product_id": "amazon_us", "denomination": 25, "currency": "USD"},
    "checkLinkVerification": {"code": "123456"},
}
