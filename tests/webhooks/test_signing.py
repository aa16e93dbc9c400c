"""Standard Webhooks signing: what we produce is accepted by the reference `standardwebhooks` verifier."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from rewardkit.webhooks import signing

BODY = b'{"type":"order.fulfilled","data":{"id":"ord_123","note":"caf\xc3\xa9 \xe2\x82\xac"}}'


def test_new_secret_is_whsec_and_32_random_bytes() -> None:
    a, b = signing.new_secret(), signing.new_secret()
    assert a.startswith("whsec_") and b.startswith("whsec_")
    assert len(base64.b64decode(a.removeprefix("whsec_"), validate=True)) == 32
    assert a != b


def test_matches_the_published_test_vector() -> None:
    # The example from the Standard Webhooks / Svix documentation.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = signing.sign([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_every_secret_in_a_rotation_verifies_with_the_reference_library() -> None:
    old, new, stranger = signing.new_secret(), signing.new_secret(), signing.new_secret()
    now = int(time.time())
    hdrs = signing.headers([new, old], "msg_2a1b", now, BODY)
    sigs = hdrs["webhook-signature"].split(" ")
    assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs)
    for secret in (new, old):
        assert Webhook(secret).verify(BODY, hdrs) == {
            "type": "order.fulfilled",
            "data": {"id": "ord_123", "note": "café €"},
        }
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(stranger).verify(BODY, hdrs)


def test_reference_library_rejects_tampering_wrong_secret_and_stale_timestamps() -> None:
    secret = signing.new_secret()
    now = int(time.time())
    hdrs = signing.headers([secret], "msg_1", now, BODY)
    Webhook(secret).verify(BODY, hdrs)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"ord_123", b"ord_124"), hdrs)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**hdrs, "webhook-id": "msg_2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, hdrs)
    old = signing.headers([secret], "msg_1", now - 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, old)
    future = signing.headers([secret], "msg_1", now + 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too new"):
        Webhook(secret).verify(BODY, future)
    # Swapping in a fresh timestamp without re-signing does not help.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**old, "webhook-timestamp": str(now)})


def test_unpadded_secret_decodes_like_the_reference_library() -> None:
    raw = bytes(range(30))  # 30 bytes -> base64 "...=="; strip the padding
    unpadded = "whsec_" + base64.b64encode(raw).decode().rstrip("=")
    now = int(time.time())
    Webhook(unpadded).verify(BODY, signing.headers([unpadded], "msg_1", now, BODY))
    assert signing.sign([unpadded], "m", 1, b"{}") == signing.sign(
        ["whsec_" + base64.b64encode(raw).decode()], "m", 1, b"{}"
    )


def test_headers() -> None:
    secret = signing.new_secret()
    hdrs = signing.headers([secret], "msg_9", 1700000000, b"{}")
    assert hdrs == {
        "webhook-id": "msg_9",
        "webhook-timestamp": "1700000000",
        "webhook-signature": signing.sign([secret], "msg_9", 1700000000, b"{}"),
        "content-type": "application/json",
        "user-agent": "rewardkit-webhooks/1",
    }


@pytest.mark.parametrize(
    ("secrets", "msg_id", "timestamp"),
    [
        ([], "msg_1", 1),
        (["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_1", 1),  # no whsec_ prefix
        (["whsec_not*base64!"], "msg_1", 1),
        (["whsec_" + base64.b64encode(b"short").decode()], "msg_1", 1),  # under 24 bytes of key
        (["whsec_"], "msg_1", 1),
        (["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "", 1),
        (["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg\r\nx-evil: 1", 1),
        (["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_1", -1),
    ],
)
def test_sign_rejects_bad_input(secrets: list[str], msg_id: str, timestamp: int) -> None:
    with pytest.raises(ValueError):
        signing.sign(secrets, msg_id, timestamp, b"{}")
