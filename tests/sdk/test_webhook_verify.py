"""rewardkit_sdk.webhooks.verify, checked against the reference `standardwebhooks` library (a dev
dependency only: the SDK needs no such package at run time) and the published test vector."""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime

import pytest
from rewardkit_sdk.webhooks import WebhookVerificationError, sign, verify
from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
BODY = b'{"id":"evt_1","type":"order.fulfilled","data":{"id":"ord_1","note":"caf\xc3\xa9"}}'


def headers(body: bytes = BODY, *secrets_: str, at: int | None = None, msg_id: str = "evt_1") -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    sigs = " ".join(sign(body, msg_id, stamp, s) for s in (secrets_ or (SECRET,)))
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": sigs}


def test_the_published_test_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = sign(b'{"test": 2432232314}', "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, secret)
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_agrees_with_the_reference_library_both_ways() -> None:
    hdrs = headers()
    assert Webhook(SECRET).verify(BODY, hdrs) == verify(BODY, hdrs, SECRET)
    stamp = int(time.time())
    theirs = Webhook(SECRET).sign("evt_1", datetime.fromtimestamp(stamp, tz=UTC), BODY.decode())
    assert verify(BODY, {"webhook-id": "evt_1", "webhook-timestamp": str(stamp), "webhook-signature": theirs}, SECRET)


def test_any_signature_of_a_rotation_matches_and_header_case_does_not_matter() -> None:
    other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    hdrs = {k.title(): v for k, v in headers(BODY, other, SECRET).items()}
    assert verify(BODY.decode(), hdrs, SECRET)["data"]["note"] == "café"
    assert verify(BODY, hdrs, other)["type"] == "order.fulfilled"


def test_refuses_tampering_a_wrong_secret_and_a_changed_id() -> None:
    hdrs = headers()
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify(BODY.replace(b"ord_1", b"ord_2"), hdrs, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(BODY, hdrs, "whsec_" + base64.b64encode(b"x" * 32).decode())
    with pytest.raises(WebhookVerificationError):
        verify(BODY, {**hdrs, "webhook-id": "evt_2"}, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(BODY, {**hdrs, "webhook-signature": "v2," + hdrs["webhook-signature"][3:]}, SECRET)


def test_refuses_old_and_future_timestamps_and_missing_headers() -> None:
    now = int(time.time())
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(BODY, headers(at=now - 301), SECRET, now=now)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(BODY, headers(at=now + 301), SECRET, now=now)
    assert verify(BODY, headers(at=now - 299), SECRET, now=now)
    with pytest.raises(WebhookVerificationError, match="Unix seconds"):
        verify(BODY, {**headers(), "webhook-timestamp": "yesterday"}, SECRET)
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        with pytest.raises(WebhookVerificationError, match=f"missing {name}"):
            verify(BODY, {k: v for k, v in headers().items() if k != name}, SECRET)
