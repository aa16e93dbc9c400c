"""Standard Webhooks signing (https://www.standardwebhooks.com), written against the `standardwebhooks`
package's conventions but with no runtime dependency on it.

A secret is ``whsec_`` + base64 of the raw key. The signature is HMAC-SHA256 over
``f"{msg_id}.{timestamp}.{body}"`` keyed by the decoded key, sent as ``v1,<base64>``; during a rotation
overlap one ``v1,…`` entry per secret is sent, space-separated, and a receiver accepts any that matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from secrets import token_bytes

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24  # the spec's lower bound for a signing key
USER_AGENT = "rewardkit-webhooks/1"


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        # Padding is optional in the wild (the reference library appends it), the alphabet is not.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by standard base64") from exc
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret needs at least {MIN_SECRET_BYTES} bytes of key")
    return key


def sign(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<sig>`` for each secret, space-separated, in order."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    if not msg_id or not msg_id.isprintable() or any(c.isspace() for c in msg_id):
        raise ValueError("msg_id must be non-empty printable text without whitespace")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("timestamp is whole seconds since the epoch")
    to_sign = f"{msg_id}.{timestamp}.".encode() + bytes(body)
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), to_sign, hashlib.sha256).digest()).decode("ascii") for s in secrets
    )


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a delivery: the three Standard Webhooks headers plus content type and user agent."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
