"""The link-delivery log-grep: links delivered by email and by SMS, a refusal that quotes the address
back, a resend and a bounce, at DEBUG; then the link's token, the address and the number are looked for
in every log record, in the jobs table and in the deliveries' stored errors, and none is there."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.jobs.models import Job
from rewardkit.kit.mail import Mailer, MailSettings
from rewardkit.kit.sms import TwilioProvider
from rewardkit.links.models import LinkDelivery
from rewardkit.runtime import Runtime
from rewardkit.sms.gateway import SmsGateway
from tests.conftest import MakeOrg
from tests.links.helpers import create, token_of
from tests.mail.smtp_server import SMTPState, running
from tests.sms_simulator import RunningSimulator, TwilioSimulator

EMAIL, REFUSED, PHONE = "grace.secret@example.com", "nobody.secret@example.com", "+14155550177"


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.msg!r} {record.args!r} {record.getMessage()}")


@pytest.fixture
async def channels(ctx: Runtime) -> AsyncIterator[tuple[SMTPState, TwilioSimulator]]:
    before_mail, before_sms = ctx.part(Mailer), ctx.part(SmsGateway)
    async with running() as smtp, RunningSimulator() as sim:
        ctx.put(Mailer(MailSettings.parse(f"smtp://127.0.0.1:{smtp.port}", ctx.settings.mail_from, timeout=5)))
        provider = TwilioProvider(ctx.outbound, base_url=sim.url, account_sid=sim.account_sid,
                                  auth_token=sim.auth_token, from_number="+15005550006", timeout=2)  # fmt: skip
        ctx.put(SmsGateway(provider, provider))
        try:
            yield smtp, sim
        finally:
            ctx.put(before_mail)
            ctx.put(before_sms)


async def test_no_token_address_or_number_reaches_the_logs_or_the_jobs_table(
    app: FastAPI,
    ctx: Runtime,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    channels: tuple[SMTPState, TwilioSimulator],
) -> None:
    smtp, sim = channels
    smtp.answers[REFUSED] = [f"550 5.1.1 <{REFUSED}>: Recipient address rejected"]
    handler = Everything()
    root, ours = logging.getLogger(), logging.getLogger("rewardkit")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    try:
        org = await make_org(USD="100.00")
        by_email = await create(client, org, delivery="email", recipient={"email": EMAIL})
        by_sms = await create(client, org, delivery="sms", recipient={"phone": PHONE})
        refused = await create(client, org, delivery="email", recipient={"email": REFUSED})
        r = await client.post(f"/v1/reward_links/{by_email['id']}/resend", headers=org.h())
        assert r.status_code == 200, r.text
        await app.state.worker.drain()
        assert len([m for m in smtp.received if EMAIL in m.rcpt_tos]) == 2
        assert len([m for m in sim.messages if m.to == PHONE]) == 1
        bounce = {"recipient": EMAIL, "type": "hard", "diagnostic": f"550 <{EMAIL}> unknown"}
        r = await client.post("/v1/email_bounces", json=bounce, headers=org.h())
        assert r.status_code == 200, r.text
    finally:
        root.removeHandler(handler)
        ours.setLevel(level)
    links = (by_email, by_sms, refused)
    logged = "\n".join(handler.lines)
    assert "rewardkit" in logged  # the logs are not empty
    async with ctx.db.unit_of_work(readonly=True) as s:
        ids = [link["id"] for link in links]
        rows = (await s.execute(select(LinkDelivery).where(LinkDelivery.link_id.in_(ids)))).scalars().all()
        jobs = (await s.execute(select(Job).where(Job.payload.is_not(None)))).scalars().all()
    assert {d.status for d in rows} == {"sent", "bounced", "failed"}
    stored = "\n".join(f"{d.error} {d.destination} {d.destination_masked} {d.message_id}" for d in rows)
    stored += "\n".join(f"{j.payload} {j.last_error}" for j in jobs)
    for where, text in (("logs", logged), ("jobs and deliveries", stored)):
        for link in links:
            assert token_of(link) not in text, where
        for secret in (EMAIL, REFUSED, PHONE, PHONE[1:]):
            assert secret not in text, (where, secret)
    for link in links:  # the deliveries list never shows the message or the token
        listing = await client.get(f"/v1/reward_links/{link['id']}/deliveries", headers=org.h())
        assert token_of(link) not in listing.text and EMAIL not in listing.text and PHONE not in listing.text
