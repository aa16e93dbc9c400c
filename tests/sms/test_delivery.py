"""queue_sms and the sms.send job (sms/service.py, sms/tasks.py) on the real database and worker: a
message queued in the caller's transaction reaches the simulator; temporary failures are retried
until accepted or out of attempts; permanent ones fail at once; test mode's magic numbers never reach
a provider; nothing about the message sits in the jobs table in clear."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from rewardkit.jobs import service as jobs
from rewardkit.jobs.models import Job
from rewardkit.kit.rekey import census
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime
from rewardkit.sms import service as sms
from rewardkit.sms.errors import InvalidPhoneNumber, SmsBodyInvalid, SmsUnavailable
from rewardkit.sms.gateway import SmsGateway
from rewardkit.sms.models import SEND_JOB, SmsMessage
from tests.conftest import MakeOrg
from tests.sms.conftest import run_until_final
from tests.sms_simulator import TwilioSimulator

TO = "+16502530000"
LINK = "http://testserver/l/tok_3f9c2a7be1d04c56a8e1b0d2"
BODY = f"Acme sent you a $50 reward: {LINK}"


async def queue(ctx: Runtime, org_id: str, mode: str = "live", to: str = TO, body: str = BODY, **kw: object) -> str:
    async with ctx.db.unit_of_work() as s:
        msg = await sms.queue_sms(s, ctx, org_id=org_id, mode=mode, to=to, body=body, **kw)  # type: ignore[arg-type]
    return msg.id


async def jobs_of(ctx: Runtime, sms_id: str) -> list[Job]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        q = select(Job).where(Job.unique_key.in_((sms.job_key(sms_id), f"sms-result:{sms_id}")))
        return list((await s.execute(q)).scalars())


async def test_a_queued_message_reaches_the_provider(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    sms_id = await queue(ctx, org.id, to="+1 (650) 253-0000", reference="rld_1")
    msg = await run_until_final(app, ctx, sms_id)
    [sent] = twilio.messages
    assert (sent.to, sent.body, sent.idempotency_key) == (TO, BODY, sms_id)
    assert (msg.status, msg.attempts, msg.provider, msg.provider_id) == ("sent", 1, "twilio", sent.sid)
    assert msg.sent_at is not None and msg.error_code is None
    assert msg.reference == "rld_1" and msg.to_masked == "+*******0000"
    # At rest: the number encrypted, the body gone once sent; the job names the row only.
    assert msg.body_sealed is None
    assert TO not in msg.to_sealed and ctx.keyring.decrypt(msg.to_sealed) == TO
    [job] = await jobs_of(ctx, sms_id)
    assert (job.kind, job.status) == (SEND_JOB, "succeeded")
    assert TO.removeprefix("+") not in str(job.payload) and "tok_" not in str(job.payload)


async def test_the_body_is_encrypted_while_queued(ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator) -> None:
    org = await make_org()
    sms_id = await queue(ctx, org.id)
    async with ctx.db.unit_of_work() as s:
        msg = (await s.execute(select(SmsMessage).where(SmsMessage.id == sms_id))).scalar_one()
        assert msg.body_sealed is not None and "tok_" not in msg.body_sealed
        assert ctx.keyring.decrypt(msg.body_sealed) == BODY
        assert await sms.cancel_sms(s, sms_id)  # leave nothing queued for other tests


async def test_temporary_failures_are_retried_until_accepted(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    twilio.inject(500, 20500, "Internal Server Error")
    twilio.inject(429, 20429, "Too Many Requests")
    sms_id = await queue(ctx, org.id)
    msg = await run_until_final(app, ctx, sms_id)
    assert (msg.status, msg.attempts) == ("sent", 3)
    assert len(twilio.requests) == 3 and len(twilio.messages) == 1


async def test_a_timeout_is_retried(app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator) -> None:
    org = await make_org()
    twilio.inject(201, delay=1.0)  # the provider's timeout here is 0.5 s
    sms_id = await queue(ctx, org.id)
    msg = await run_until_final(app, ctx, sms_id)
    assert (msg.status, msg.attempts) == ("sent", 2)


async def test_temporary_failures_fail_the_message_when_attempts_run_out(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    twilio.inject(503, 20503, "Service Unavailable", times=3)
    sms_id = await queue(ctx, org.id, max_attempts=3, notify="sms.test_result", reference="rld_9")
    msg = await run_until_final(app, ctx, sms_id)
    assert (msg.status, msg.attempts, msg.error_code) == ("failed", 3, "provider_unavailable")
    assert msg.body_sealed is None
    assert twilio.messages == []
    send_job, result_job = sorted(await jobs_of(ctx, sms_id), key=lambda j: j.id)
    assert send_job.status == "succeeded"  # the job did its work: the message is final
    assert result_job.kind == "sms.test_result"
    assert result_job.payload == {"sms_id": sms_id, "reference": "rld_9", "status": "failed",
                                  "error_code": "provider_unavailable"}  # fmt: skip
    async with ctx.db.unit_of_work() as s:  # nobody handles that kind in this suite
        assert await jobs.stop(s, f"sms-result:{sms_id}", "test")


async def test_a_permanent_failure_is_not_retried(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    # Live mode has no magic numbers: this one goes to the provider, which refuses it (21610).
    sms_id = await queue(ctx, org.id, to="+15005550004", notify="sms.test_result")
    msg = await run_until_final(app, ctx, sms_id)
    assert (msg.status, msg.attempts, msg.error_code) == ("failed", 1, "recipient_unsubscribed")
    assert msg.provider_code == 21610
    assert "5550004" not in (msg.error_message or "")
    assert len(twilio.requests) == 1
    async with ctx.db.unit_of_work() as s:
        assert await jobs.stop(s, f"sms-result:{sms_id}", "test")


async def test_success_notifies_the_caller(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    sms_id = await queue(ctx, org.id, notify="sms.test_result", reference="rld_2")
    await run_until_final(app, ctx, sms_id)
    result = [j for j in await jobs_of(ctx, sms_id) if j.kind == "sms.test_result"]
    expected = {"sms_id": sms_id, "reference": "rld_2", "status": "sent", "error_code": None}
    assert [j.payload for j in result] == [expected]
    async with ctx.db.unit_of_work() as s:
        assert await jobs.stop(s, f"sms-result:{sms_id}", "test")


@pytest.mark.parametrize(
    ("to", "status", "code", "attempts"),
    [
        ("+15005550006", "sent", None, 1),
        ("+15005550001", "failed", "invalid_recipient", 1),
        ("+15005550002", "failed", "unroutable_recipient", 1),
        ("+15005550003", "failed", "region_not_enabled", 1),
        ("+15005550004", "failed", "recipient_unsubscribed", 1),
        ("+15005550009", "failed", "not_mobile", 1),
        ("+15005550005", "sent", None, 2),
        ("+15005550008", "failed", "provider_unavailable", 3),
    ],
)
async def test_test_mode_magic_numbers_never_reach_a_provider(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator,
    to: str, status: str, code: str | None, attempts: int,
) -> None:  # fmt: skip
    org = await make_org()
    sms_id = await queue(ctx, org.id, mode="test", to=to, max_attempts=3)
    msg = await run_until_final(app, ctx, sms_id)
    assert (msg.status, msg.error_code, msg.attempts, msg.provider) == (status, code, attempts, "sandbox")
    assert twilio.requests == []


async def test_other_test_mode_numbers_go_to_the_test_provider(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    msg = await run_until_final(app, ctx, await queue(ctx, org.id, mode="test"))
    assert (msg.status, msg.provider) == ("sent", "twilio")
    assert [m.to for m in twilio.messages] == [TO]


async def test_a_canceled_message_is_never_sent(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org()
    sms_id = await queue(ctx, org.id)
    async with ctx.db.unit_of_work() as s:
        assert await sms.cancel_sms(s, sms_id, "link canceled")
        assert not await sms.cancel_sms(s, sms_id)
    await app.state.worker.drain()
    async with ctx.db.unit_of_work(readonly=True) as s:
        msg = await sms.get_message(s, org.id, "live", sms_id)
        assert msg is not None and (msg.status, msg.body_sealed) == ("canceled", None)
        assert await sms.get_message(s, org.id, "test", sms_id) is None  # scoped to its org and mode
    assert twilio.requests == []


@pytest.mark.parametrize(
    ("to", "body", "country", "problem", "reason"),
    [
        ("+1 650", BODY, None, InvalidPhoneNumber, "not_possible"),
        ("650 253 0000", BODY, None, InvalidPhoneNumber, "not_a_number"),
        (TO, BODY, "GB", InvalidPhoneNumber, "wrong_region"),
        (TO, "   ", None, SmsBodyInvalid, None),
        (TO, "x" * 1601, None, SmsBodyInvalid, None),
    ],
)
async def test_bad_input_is_a_422_problem_and_writes_nothing(
    ctx: Runtime, make_org: MakeOrg, to: str, body: str, country: str | None, problem: type, reason: str | None
) -> None:
    org = await make_org()
    with pytest.raises(problem) as caught:
        await queue(ctx, org.id, to=to, body=body, country=country)
    assert caught.value.status == 422
    if reason:
        assert caught.value.to_dict()["reason"] == reason
    async with ctx.db.unit_of_work(readonly=True) as s:
        count = (await s.execute(select(func.count()).where(SmsMessage.org_id == org.id))).scalar_one()
    assert count == 0


async def test_live_sms_without_a_provider_is_refused(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    original = ctx.part(SmsGateway)
    ctx.put(SmsGateway(None, original.test))  # production with REWARDKIT_SMS_PROVIDER empty
    try:
        with pytest.raises(SmsUnavailable) as caught:
            await queue(ctx, org.id, mode="live")
        assert (caught.value.status, caught.value.code) == (422, "sms_unavailable")
        test_id = await queue(ctx, org.id, mode="test", to="+15005550006")  # test mode still works
    finally:
        ctx.put(original)
    async with ctx.db.unit_of_work() as s:
        assert await sms.cancel_sms(s, test_id)


async def test_secrets_reencrypt_covers_the_messages(ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator) -> None:
    org = await make_org()
    sms_id = await queue(ctx, org.id)
    sealed = [x for m in MODULES for x in m.sealed]
    assert any(x.table is SmsMessage and set(x.columns) == {"to_sealed", "body_sealed"} for x in sealed)
    async with ctx.db.unit_of_work() as s:
        counts = (await census(s, sealed)).counts["sms_messages"]
        assert counts["to_sealed"].get(ctx.keyring.active_kid, 0) >= 1
        assert counts["body_sealed"].get(ctx.keyring.active_kid, 0) >= 1
        assert await sms.cancel_sms(s, sms_id)
