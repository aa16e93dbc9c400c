"""queue_email and the `mail.send` job on the real database and a real SMTP server: written in the
caller's transaction, sealed (no address or link in clear), retried with backoff on a temporary
failure until it is sent, dead at once on a permanent refusal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from rewardkit.auth import service as auth
from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.kit.mail import Mailer, MailSettings
from rewardkit.mailbox.errors import InvalidRecipientEmail
from rewardkit.mailbox.models import SEND_JOB
from rewardkit.mailbox.service import queue_email
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.mail.smtp_server import SMTPState, running

URL = "http://testserver/l/secret_token_abc"
CONTEXT = {"recipient_name": "Ada", "sender_name": "Acme", "url": URL, "value": "$25.00", "expires_at": "2027-03-01"}


@pytest.fixture
async def smtp(ctx: Runtime) -> AsyncIterator[SMTPState]:
    """A real SMTP server, and this runtime's Mailer pointed at it for the test."""
    before = ctx.part(Mailer)
    async with running() as server:
        ctx.put(Mailer(MailSettings.parse(f"smtp://127.0.0.1:{server.port}", ctx.settings.mail_from, timeout=5)))
        try:
            yield server
        finally:
            ctx.put(before)


async def queue(ctx: Runtime, org_id: str, to: str = "ada@example.com", kind: str = "link") -> int:
    async with ctx.db.unit_of_work() as s:
        return await queue_email(s, ctx, org_id=org_id, mode="test", to=to, kind=kind, context=CONTEXT, ref="test:1")


async def job_of(ctx: Runtime, job_id: int) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        job = await s.get(Job, job_id)
        assert job is not None
        return job


async def run(ctx: Runtime, job_id: int) -> Job:
    """Run the job now, as a worker would once it is due (a retry's backoff is skipped, not waited for)."""
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(run_at=utcnow()))
    assert ctx.worker is not None
    assert await ctx.worker.run_now(job_id)
    return await job_of(ctx, job_id)


async def test_a_queued_email_is_sent_by_its_job(ctx: Runtime, make_org: MakeOrg, smtp: SMTPState) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        await auth.update_branding(s, org.id, {"display_name": "Acme Rewards", "accent_color": "#1a73e8"})
    job_id = await queue(ctx, org.id)
    job = await job_of(ctx, job_id)
    assert job.kind == SEND_JOB and job.status == "queued" and job.max_attempts == ctx.settings.mail_max_attempts
    stored = json.dumps(job.payload)
    assert "ada@example.com" not in stored and "secret_token_abc" not in stored
    assert job.payload["org_id"] == org.id and job.payload["ref"] == "test:1"

    assert (await run(ctx, job_id)).status == "succeeded"
    [got] = smtp.received
    assert got.rcpt_tos == ["ada@example.com"]
    msg = got.message
    assert msg["Subject"] == "Acme sent you a reward of $25.00"
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert URL in text and f'href="{URL}"' in html and "#1a73e8" in html and "Acme Rewards" in html


async def test_a_temporary_failure_is_retried_then_the_email_is_sent(
    ctx: Runtime, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org()
    smtp.answers["busy@example.com"] = ["451 4.3.0 Try again later", "421 4.7.0 Slow down"]
    job_id = await queue(ctx, org.id, to="busy@example.com")
    first = await run(ctx, job_id)
    assert first.status == "queued" and first.attempts == 1 and "451" in (first.last_error or "")
    assert first.run_at > first.updated_at  # the retry is scheduled later (the jobs' backoff), not at once
    second = await run(ctx, job_id)
    assert second.status == "queued" and second.attempts == 2
    third = await run(ctx, job_id)
    assert third.status == "succeeded" and third.attempts == 3
    assert len(smtp.received) == 1 and smtp.rcpt_calls == 3


async def test_a_permanent_refusal_makes_the_job_dead_at_once(
    ctx: Runtime, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org()
    smtp.answers["gone@example.com"] = ["550 5.1.1 No such user"]
    job_id = await queue(ctx, org.id, to="gone@example.com")
    job = await run(ctx, job_id)
    assert job.status == "dead" and job.attempts == 1 and "550" in (job.last_error or "")
    assert smtp.received == [] and smtp.rcpt_calls == 1


async def test_the_sandbox_refusing_address_ends_its_job_succeeded_not_dead(
    ctx: Runtime, make_org: MakeOrg, smtp: SMTPState
) -> None:
    # #13 review: a test of the magic address left a `dead` job, as if the mail system had failed.
    org = await make_org()
    job_id = await queue(ctx, org.id, to="reject@sandbox.rewardkit.dev")
    job = await run(ctx, job_id)
    assert job.status == "succeeded" and job.attempts == 1 and job.last_error is None
    assert smtp.received == [] and smtp.rcpt_calls == 0  # never reached an SMTP server


async def test_every_attempt_carries_the_same_message_id(ctx: Runtime, make_org: MakeOrg, smtp: SMTPState) -> None:
    org = await make_org()
    smtp.answers["ada@example.com"] = ["451 4.3.0 Try again later"]
    job_id = await queue(ctx, org.id)
    await run(ctx, job_id)
    await run(ctx, job_id)
    sealed = (await job_of(ctx, job_id)).payload["message"]
    [got] = smtp.received
    assert got.message["Message-ID"] and got.message["Message-ID"] in ctx.keyring.decrypt(sealed)


async def test_a_bad_address_is_refused_in_the_callers_transaction(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    with pytest.raises(InvalidRecipientEmail):
        await queue(ctx, org.id, to="not an address")
