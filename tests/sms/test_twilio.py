"""TwilioProvider (kit/sms.py) against the local simulator, which answers as Twilio's docs say: the
request it sends, and the class of every documented answer (accepted, permanent, temporary)."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator

import pytest

from rewardkit.kit.outbound import Outbound
from rewardkit.kit.sms import SmsError, TwilioProvider
from tests.sms_simulator import RunningSimulator, TwilioSimulator, _free_port

TO = "+16502530000"
FROM = "+15005550006"


@pytest.fixture
async def sim() -> AsyncIterator[TwilioSimulator]:
    async with RunningSimulator() as running:
        yield running


@pytest.fixture
async def outbound() -> AsyncIterator[Outbound]:
    out = Outbound()
    yield out
    await out.aclose()


def provider(sim: TwilioSimulator, outbound: Outbound, **over: object) -> TwilioProvider:
    conf: dict[str, object] = {
        "base_url": sim.url, "account_sid": sim.account_sid, "auth_token": sim.auth_token, "from_number": FROM,
        "timeout": 2.0,
    }  # fmt: skip
    conf.update(over)
    return TwilioProvider(outbound, **conf)  # type: ignore[arg-type]


async def test_a_message_is_posted_as_twilio_documents_it(sim: TwilioSimulator, outbound: Outbound) -> None:
    result = await provider(sim, outbound).send(TO, "Your reward: http://x/l/abc", idempotency_ref="sms_1")
    assert result.provider_id.startswith("SM")
    assert result.status == "queued"
    [sent] = sim.messages
    assert (sent.sid, sent.to, sent.from_, sent.body) == (result.provider_id, TO, FROM, "Your reward: http://x/l/abc")
    [req] = sim.requests
    assert req.path == f"/2010-04-01/Accounts/{sim.account_sid}/Messages.json"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    user, _, password = base64.b64decode(req.headers["authorization"].split(" ", 1)[1]).decode().partition(":")
    assert (user, password) == (sim.account_sid, sim.auth_token)
    assert req.headers["idempotency-key"] == "sms_1"
    assert set(req.form) == {"To", "From", "Body"}


async def test_a_messaging_service_replaces_from(sim: TwilioSimulator, outbound: Outbound) -> None:
    p = provider(sim, outbound, from_number="", messaging_service_sid="MG" + "0" * 32)
    result = await p.send(TO, "hi", idempotency_ref="sms_2")
    assert result.status == "accepted"
    [req] = sim.requests
    assert req.form["MessagingServiceSid"] == "MG" + "0" * 32
    assert "From" not in req.form


async def test_the_same_ref_is_one_message_at_a_deduplicating_gateway(sim: TwilioSimulator, outbound: Outbound) -> None:
    p = provider(sim, outbound)
    first = await p.send(TO, "hi", idempotency_ref="sms_same")
    again = await p.send(TO, "hi", idempotency_ref="sms_same")
    assert first.provider_id == again.provider_id
    assert len(sim.messages) == 1


@pytest.mark.parametrize(
    ("to", "code", "provider_code"),
    [
        ("+15005550001", "invalid_recipient", 21211),
        ("+15005550002", "unroutable_recipient", 21612),
        ("+15005550003", "region_not_enabled", 21408),
        ("+15005550004", "recipient_unsubscribed", 21610),
        ("+15005550009", "not_mobile", 21614),
        ("6502530000", "invalid_recipient", 21211),  # not E.164: Twilio's own check
    ],
)
async def test_recipient_errors_are_permanent(
    sim: TwilioSimulator, outbound: Outbound, to: str, code: str, provider_code: int
) -> None:
    with pytest.raises(SmsError) as caught:
        await provider(sim, outbound).send(to, "hi", idempotency_ref="sms_3")
    err = caught.value
    assert (err.code, err.provider_code, err.permanent) == (code, provider_code, True)
    assert to.removeprefix("+") not in err.message  # Twilio quotes the number; we do not keep it
    assert sim.messages == []


async def test_other_request_errors_are_permanent_provider_rejected(sim: TwilioSimulator, outbound: Outbound) -> None:
    with pytest.raises(SmsError) as caught:
        await provider(sim, outbound).send(TO, "x" * 1601, idempotency_ref="sms_4")
    assert (caught.value.code, caught.value.provider_code, caught.value.permanent) == ("provider_rejected", 21617, True)


async def test_refused_credentials_are_permanent_and_logged_loudly(
    sim: TwilioSimulator, outbound: Outbound, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="rewardkit.sms"), pytest.raises(SmsError) as caught:
        await provider(sim, outbound, auth_token="wrong").send(TO, "hi", idempotency_ref="sms_5")
    err = caught.value
    assert (err.code, err.provider_code, err.permanent) == ("provider_auth_failed", 20003, True)
    [record] = [r for r in caplog.records if r.name == "rewardkit.sms"]
    assert record.levelno == logging.ERROR
    assert "REWARDKIT_SMS_AUTH_TOKEN" in record.getMessage()
    assert "wrong" not in record.getMessage()


async def test_a_wrong_url_is_permanent(sim: TwilioSimulator, outbound: Outbound) -> None:
    with pytest.raises(SmsError) as caught:
        await provider(sim, outbound, base_url=sim.url + "/nope").send(TO, "hi", idempotency_ref="sms_6")
    assert (caught.value.code, caught.value.provider_code, caught.value.permanent) == ("provider_rejected", 20404, True)


@pytest.mark.parametrize(
    ("status", "code"), [(429, "provider_rate_limited"), (500, "provider_unavailable"), (503, "provider_unavailable")]
)
async def test_throttling_and_server_errors_are_temporary(
    sim: TwilioSimulator, outbound: Outbound, status: int, code: str
) -> None:
    sim.inject(status, 20429 if status == 429 else 20500, "Too Many Requests", headers={"Retry-After": "7"})
    with pytest.raises(SmsError) as caught:
        await provider(sim, outbound).send(TO, "hi", idempotency_ref="sms_7")
    assert (caught.value.code, caught.value.permanent, caught.value.retry_after) == (code, False, 7.0)
    assert sim.messages == []


async def test_no_answer_within_the_timeout_is_temporary(sim: TwilioSimulator, outbound: Outbound) -> None:
    sim.inject(201, delay=1.5)
    with pytest.raises(SmsError) as caught:
        await provider(sim, outbound, timeout=0.2).send(TO, "hi", idempotency_ref="sms_8")
    assert (caught.value.code, caught.value.permanent) == ("provider_timeout", False)


async def test_nobody_listening_is_temporary(outbound: Outbound) -> None:
    nobody = TwilioSimulator(port=_free_port())  # never started
    with pytest.raises(SmsError) as caught:
        await provider(nobody, outbound).send(TO, "hi", idempotency_ref="sms_9")
    assert (caught.value.code, caught.value.permanent) == ("provider_unreachable", False)


def test_missing_settings_are_refused_up_front(outbound: Outbound) -> None:
    base = {"base_url": "https://api.twilio.com", "account_sid": "AC1", "auth_token": "t", "from_number": FROM}
    for missing, setting in (("account_sid", "ACCOUNT_SID"), ("auth_token", "AUTH_TOKEN"), ("from_number", "SMS_FROM")):
        with pytest.raises(ValueError, match=setting):
            TwilioProvider(outbound, **{**base, missing: ""})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="REWARDKIT_SMS_URL"):
        TwilioProvider(outbound, **{**base, "base_url": "api.twilio.com"})  # type: ignore[arg-type]
    secret = {**base, "auth_token": "tok_" + "9" * 20}
    assert "tok_" not in repr(TwilioProvider(outbound, **secret))  # type: ignore[arg-type]


async def test_a_body_with_form_characters_arrives_as_sent(sim: TwilioSimulator, outbound: Outbound) -> None:
    body = "Claim 50% off: https://x/l/a+b&c=d?e=f#g — é"
    await provider(sim, outbound).send(TO, body, idempotency_ref="sms_10")
    assert sim.messages[0].body == body
