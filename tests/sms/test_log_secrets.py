"""The SMS log-grep: a session of messages (sent, refused with the number quoted back, retried,
refused credentials, the console provider) at DEBUG, then the full number and the link's token are
looked for in every log record and in the jobs table, and neither is there."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.jobs.models import Job
from rewardkit.kit.sms import ConsoleProvider, TwilioProvider
from rewardkit.runtime import Runtime
from rewardkit.sms import service as sms
from rewardkit.sms.gateway import SmsGateway
from tests.conftest import MakeOrg
from tests.sms.conftest import run_until_final
from tests.sms_simulator import TwilioSimulator


class Everything(logging.Handler):
    """Every record, with its structlog event dict (record.msg) and arguments, as text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.msg!r} {record.args!r} {record.getMessage()}")


async def test_no_number_or_link_token_reaches_the_logs_or_the_jobs_table(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    token = "tok_" + secrets.token_urlsafe(24)
    body = f"Your reward: http://testserver/l/{token}"
    numbers = ["+16502530000", "+15005550004", "+442079460958"]
    handler = Everything()
    root, ours = logging.getLogger(), logging.getLogger("rewardkit")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    org = await make_org()
    ids = []
    try:
        twilio.inject(500, 20500, f"upstream failed for {numbers[2]}")  # a provider that quotes the number
        async with ctx.db.unit_of_work() as s:
            for mode, to in (("live", numbers[0]), ("live", numbers[1]), ("live", numbers[2])):
                ids.append((await sms.queue_sms(s, ctx, org_id=org.id, mode=mode, to=to, body=body)).id)
        for sms_id in ids:
            await run_until_final(app, ctx, sms_id)
        # Refused credentials (logged as an error), then the console provider of development (stdout gets
        # the link, the log does not); the twilio fixture puts the runtime's own gateway back afterwards.
        wrong = TwilioProvider(ctx.outbound, base_url=twilio.url, account_sid=twilio.account_sid, auth_token="nope",
                               from_number="+15005550006")  # fmt: skip
        console = ConsoleProvider(echo=True)
        outcomes = []
        for provider in (wrong, console):
            ctx.put(SmsGateway(provider, provider))
            async with ctx.db.unit_of_work() as s:
                ids.append((await sms.queue_sms(s, ctx, org_id=org.id, mode="live", to=numbers[0], body=body)).id)
            done = await run_until_final(app, ctx, ids[-1])
            outcomes.append((done.provider, done.status, done.error_code))
        assert outcomes == [("twilio", "failed", "provider_auth_failed"), ("console", "sent", None)]
    finally:
        root.removeHandler(handler)
        ours.setLevel(level)
    logged = "\n".join(handler.lines)
    assert "rewardkit.sms" in logged and "provider refused our credentials" in logged  # the logs are not empty
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (await s.execute(select(Job).where(Job.unique_key.in_([sms.job_key(i) for i in ids])))).scalars().all()
        messages = [await sms.get_message(s, org.id, "live", i) for i in ids]
    assert len(rows) == len(ids)
    stored = "\n".join(f"{j.payload} {j.last_error}" for j in rows)
    stored += "\n".join(f"{m.error_message} {m.to_masked} {m.provider_id}" for m in messages if m is not None)
    for where, text in (("logs", logged), ("jobs and messages", stored)):
        assert token not in text, where
        for number in numbers:
            assert number.removeprefix("+") not in text, (where, number)
