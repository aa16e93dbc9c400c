"""Standard Webhooks verification (standardwebhooks.com), with no dependency beyond the standard
library: `event = verify(body, headers, secret)` raises WebhookVerificationError unless one of the
header's `v1,` signatures matches and the timestamp is within the tolerance."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from rewardkit_sdk._errors import RewardkitError

DEFAULT_TOLERANCE_SECONDS = 300  # the spec's 5 minutes, both ways (a receiver's clock may be ahead)
SECRET_PREFIX = "whsec_"


class WebhookVerificationError(RewardkitError):
    """The delivery is not from rewardkit (or not this endpoint's secret), or too old, or malformed."""


def _header(headers: Mapping[str, str], name: str) -> str:
    # Frameworks differ in letter case (Flask, Django META-less dicts, httpx, plain dicts).
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ValueError("the secret is not a whsec_ base64 secret") from exc


def sign(payload: bytes | str, msg_id: str, timestamp: int, secret: str) -> str:
    """The `v1,<base64>` signature of one delivery (what the server sends; useful in your tests)."""
    body = payload.encode() if isinstance(payload, str) else payload
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The event (parsed JSON) when the delivery is genuine. Pass the RAW body as received: re-encoded
    JSON does not match the signature. During a secret rotation the header carries one signature per
    active secret (space-separated); any match is enough."""
    msg_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("webhook-timestamp is not Unix seconds") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        # Refused before the signature so that an old, genuine delivery cannot be replayed later.
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    expected = sign(payload, msg_id, timestamp, secret).encode()
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
            body = payload if isinstance(payload, str) else payload.decode()
            try:
                event: dict[str, Any] = json.loads(body)
            except ValueError as exc:
                raise WebhookVerificationError("the body is not JSON") from exc
            return event
    raise WebhookVerificationError("no signature matches")
