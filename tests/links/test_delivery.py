"""Reward link delivery by email and SMS, end to end on both databases: a real local SMTP server
receives the link's email and the test follows the URL in it; the local Twilio receives the text; the
link becomes `delivered` (reward_link.delivered) or reward_link.delivery_failed is sent; the sandbox's
magic recipients; reminders; resend and its limit; the deliveries list, redacted; bounces."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.kit.mail import Mailer, MailSettings
from rewardkit.kit.sms import TwilioProvider
from rewardkit.links.models import LinkDelivery
from rewardkit.runtime import Runtime
from rewardkit.sms.gateway import SmsGateway
from tests.conftest import MakeOrg
from tests.links.helpers import create, events_of, link_body, links_of, problem, token_of, usd
from tests.mail.smtp_server import SMTPState, running
from tests.sms_simulator import RunningSimulator, TwilioSimulator

URL = re.compile(r"http://testserver/l/[A-Za-z0-9_-]+")
PHONE = "+14155550123"


@pytest.fixture
async def smtp(ctx: Runtime) -> AsyncIterator[SMTPState]:
    before = ctx.part(Mailer)
    async with running() as server:
        ctx.put(Mailer(MailSettings.parse(f"smtp://127.0.0.1:{server.port}", ctx.settings.mail_from, timeout=5)))
        try:
            yield server
        finally:
            ctx.put(before)


@pytest.fixture
async def twilio(ctx: Runtime) -> AsyncIterator[TwilioSimulator]:
    async with RunningSimulator() as sim:
        original = ctx.part(SmsGateway)
        provider = TwilioProvider(
            ctx.outbound, base_url=sim.url, account_sid=sim.account_sid, auth_token=sim.auth_token,
            from_number="+15005550006", timeout=2,
        )  # fmt: skip
        ctx.put(SmsGateway(provider, provider))
        try:
            yield sim
        finally:
            ctx.put(original)


async def deliveries(client: httpx.AsyncClient, org: Any, link_id: str, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/v1/reward_links/{link_id}/deliveries", params=params, headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def get_link(client: httpx.AsyncClient, org: Any, link_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/reward_links/{link_id}", headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def text_of(received: Any) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# The jobs table is the session's: a drain may also send what other tests left queued (their retries).
# So each test looks only at the mail and texts that carry its own link's url, or go to its address.
def mails_for(smtp: SMTPState, link: dict[str, Any]) -> list[Any]:
    return [m for m in smtp.received if link["url"] in text_of(m)]


def mails_to(smtp: SMTPState, address: str) -> list[Any]:
    return [m for m in smtp.received if address in m.rcpt_tos]


def texts_for(sim: TwilioSimulator, link: dict[str, Any]) -> list[Any]:
    return [m for m in sim.messages if link["url"] in m.body]


async def test_the_link_email_reaches_the_smtp_server_and_its_url_opens_the_link(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email")
    [queued] = (await deliveries(client, org, link["id"]))["data"]
    assert queued["status"] == "queued" and queued["kind"] == "link" and queued["channel"] == "email"
    assert queued["destination"] == "a***@example.com" and queued["object"] == "link_delivery"

    await app.state.worker.drain()
    [mail] = mails_for(smtp, link)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["Message-ID"]
    [found] = URL.findall(text_of(mail))
    assert found == link["url"]
    assert "25.00 USD" in text_of(mail) and "Acme" in text_of(mail)

    got = await get_link(client, org, link["id"])
    assert got["status"] == "delivered"
    assert [t["status"] for t in got["timeline"]] == ["created", "delivered"]
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivered"]
    [sent] = (await deliveries(client, org, link["id"]))["data"]
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sent_at"] and sent["error_code"] is None

    # The recipient follows the URL from the email: the headless claim API opens the link.
    r = await client.get(f"/v1/link_claims/{found.rsplit('/', 1)[1]}")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "opened"
    listing = await client.get(f"/v1/reward_links/{link['id']}/deliveries", headers=org.h())
    assert token_of(link) not in listing.text and "ada@example.com" not in listing.text


async def test_the_link_text_reaches_the_sms_provider(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="sms", recipient={"phone": PHONE, "name": "Ada", "country": "US"})
    await app.state.worker.drain()
    [text] = texts_for(twilio, link)
    assert text.to == PHONE and URL.findall(text.body) == [link["url"]]
    assert (await get_link(client, org, link["id"]))["status"] == "delivered"
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivered"]
    [d] = (await deliveries(client, org, link["id"]))["data"]
    assert d["channel"] == "sms" and d["status"] == "sent" and d["destination"] == "+*******0123"


async def test_a_failing_sandbox_number_sends_delivery_failed_and_the_link_stays_created(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="sms", recipient={"phone": "+15005550001", "country": "US"})
    await app.state.worker.drain()
    assert texts_for(twilio, link) == []  # a magic number never reaches a provider
    assert (await get_link(client, org, link["id"]))["status"] == "created"
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivery_failed"]
    [d] = (await deliveries(client, org, link["id"]))["data"]
    assert d["status"] == "failed" and d["error_code"] == "invalid_recipient"
    r = await client.get("/v1/events", params={"limit": 100}, headers=org.h())
    [failed] = [e for e in r.json()["data"] if e["type"] == "reward_link.delivery_failed"]
    assert failed["data"]["delivery"]["id"] == d["id"]


async def test_the_sandbox_rejecting_address_fails_without_reaching_smtp(
    app: FastAPI, ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email", recipient={"email": "reject@sandbox.rewardkit.dev"})
    await app.state.worker.drain()
    assert mails_to(smtp, "reject@sandbox.rewardkit.dev") == []
    assert (await get_link(client, org, link["id"]))["status"] == "created"
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivery_failed"]
    [d] = (await deliveries(client, org, link["id"]))["data"]
    assert (
        d["status"] == "failed"
        and d["error_code"] == "email_rejected"
        and d["destination"] == "r***@sandbox.rewardkit.dev"
    )
    # The delivery failed as asked, and its mail.send job is not `dead` (`rewardkit jobs list --status
    # dead` is for operational failures): it succeeded, as the sandbox's failing SMS numbers' jobs do.
    async with ctx.db.unit_of_work(readonly=True) as s:
        jobs = (await s.scalars(select(Job).where(Job.kind == "mail.send"))).all()
    [job] = [j for j in jobs if j.payload.get("ref") == d["id"]]
    assert job.status == "succeeded" and job.last_error is None


async def test_the_sandbox_bouncing_address_is_sent_then_bounced(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email", recipient={"email": "bounce@sandbox.rewardkit.dev"})
    await app.state.worker.drain()
    assert mails_to(smtp, "bounce@sandbox.rewardkit.dev") == []
    assert await events_of(client, org, link["id"]) == [
        "reward_link.created",
        "reward_link.delivered",
        "reward_link.delivery_failed",
    ]
    [d] = (await deliveries(client, org, link["id"]))["data"]
    assert d["status"] == "bounced" and d["error_code"] == "email_bounced"


async def test_a_reported_hard_bounce_marks_the_delivery_once(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org, other = await make_org(USD="100.00"), await make_org(USD="100.00")
    link = await create(client, org, delivery="email")
    await app.state.worker.drain()
    [mail] = mails_for(smtp, link)
    message_id = str(mail.message["Message-ID"])

    # Another org cannot bounce it, and a Message-ID nobody sent is 404.
    problem(await client.post("/v1/email_bounces", json={"message_id": message_id, "type": "hard"},
                              headers=other.h()), 404, "email_delivery_not_found")  # fmt: skip
    problem(await client.post("/v1/email_bounces", json={"message_id": "<nope@x>", "type": "hard"}, headers=org.h()),
            404, "email_delivery_not_found")  # fmt: skip
    problem(await client.post("/v1/email_bounces", json={"type": "hard"}, headers=org.h()), 422, "validation_error")
    both = {"message_id": message_id, "recipient": "ada@example.com", "type": "hard"}
    problem(await client.post("/v1/email_bounces", json=both, headers=org.h()), 422, "validation_error")

    bounce = {"message_id": message_id.strip("<>"), "type": "hard", "diagnostic": "550 5.1.1 <ada@example.com> unknown"}
    for _ in range(2):
        r = await client.post("/v1/email_bounces", json=bounce, headers=org.h())
        assert r.status_code == 200, r.text
        assert r.json()["object"] == "email_bounce" and r.json()["delivery"]["status"] == "bounced"
        assert "ada@example.com" not in r.text
    assert await events_of(client, org, link["id"]) == [
        "reward_link.created",
        "reward_link.delivered",
        "reward_link.delivery_failed",
    ]


async def test_a_soft_bounce_by_recipient_is_noted_only(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email", recipient={"email": "Grace@Example.com"})
    await app.state.worker.drain()
    r = await client.post("/v1/email_bounces", json={"recipient": "Grace@example.com", "type": "soft"}, headers=org.h())
    assert r.status_code == 200, r.text
    d = r.json()["delivery"]
    assert d["status"] == "sent" and d["error_code"] == "email_soft_bounce"
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivered"]


async def _remind_job(ctx: Runtime, link_id: str, days: int) -> Job | None:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (await s.execute(select(Job).where(Job.unique_key == f"remind:{link_id}:{days}"))).scalar_one_or_none()


async def _move_clock(ctx: Runtime, job_id: int) -> None:
    """The reminder's time has come: its run_at is now (as if the clock moved a day on)."""
    async with ctx.db.unit_of_work() as s:
        await s.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))


async def test_reminders_fire_on_the_links_channel_and_send_expiring(
    app: FastAPI, ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    expires = (datetime.now(UTC) + timedelta(days=1, hours=1)).isoformat()
    link = await create(client, org, delivery="email", expires_at=expires, reminders=[1, 2])
    assert await _remind_job(ctx, link["id"], 2) is None  # its time had passed already: not queued
    job = await _remind_job(ctx, link["id"], 1)
    assert job is not None and job.status == "queued"
    await app.state.worker.drain()
    assert len(mails_for(smtp, link)) == 1  # the link; the reminder is an hour away

    await _move_clock(ctx, job.id)
    await app.state.worker.drain()
    assert len(mails_for(smtp, link)) == 2
    reminder = text_of(mails_for(smtp, link)[1])
    assert URL.findall(reminder) == [link["url"]]
    kinds = [d["kind"] for d in (await deliveries(client, org, link["id"]))["data"]]
    assert kinds == ["reminder", "link"]
    assert await events_of(client, org, link["id"]) == [
        "reward_link.created",
        "reward_link.delivered",
        "reward_link.expiring",
    ]


async def test_a_link_without_delivery_gets_the_expiring_event_and_closing_stops_reminders(
    app: FastAPI, ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    expires = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    link = await create(client, org, expires_at=expires, reminders=[1])
    job = await _remind_job(ctx, link["id"], 1)
    assert job is not None
    await _move_clock(ctx, job.id)
    await app.state.worker.drain()
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.expiring"]
    assert (await deliveries(client, org, link["id"]))["data"] == []

    other = await create(client, org, expires_at=expires, reminders=[1, 2])
    r = await client.post(f"/v1/reward_links/{other['id']}/cancel", headers=org.h())
    assert r.status_code == 200, r.text
    for days in (1, 2):
        stopped = await _remind_job(ctx, other["id"], days)
        assert stopped is not None and stopped.status != "queued"


async def test_resend_sends_again_up_to_its_limit_then_429(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email")
    for _ in range(3):  # REWARDKIT_LINK_RESEND_LIMIT's default: 3/hour
        r = await client.post(f"/v1/reward_links/{link['id']}/resend", headers=org.h())
        assert r.status_code == 200, r.text
        assert r.json()["kind"] == "resend" and r.json()["status"] == "queued"
    r = await client.post(f"/v1/reward_links/{link['id']}/resend", json={}, headers=org.h())
    problem(r, 429, "resend_rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    await app.state.worker.drain()
    assert len(mails_for(smtp, link)) == 4
    page = await deliveries(client, org, link["id"], limit=2)
    assert len(page["data"]) == 2 and page["has_more"] and page["next_cursor"]
    rest = await deliveries(client, org, link["id"], limit=10, cursor=page["next_cursor"])
    assert [d["kind"] for d in rest["data"]] == ["resend", "link"] and not rest["has_more"]


async def _rows(ctx: Runtime) -> tuple[int, int]:
    """(link deliveries, jobs): what a refused resend must leave as it was."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        deliveries_ = await s.scalar(select(func.count()).select_from(LinkDelivery))
        jobs = await s.scalar(select(func.count()).select_from(Job))
    return int(deliveries_ or 0), int(jobs or 0)


async def test_a_bad_resend_body_is_its_422_even_after_the_limit_and_writes_nothing(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState
) -> None:
    # #13 review: after 3 resends a bad `to` answered 429, telling the client to wait, not to fix it.
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email")
    for _ in range(3):
        r = await client.post(f"/v1/reward_links/{link['id']}/resend", headers=org.h())
        assert r.status_code == 200, r.text
    before = await _rows(ctx)
    r = await client.post(f"/v1/reward_links/{link['id']}/resend", json={"channel": "sms", "to": "bad"},
                          headers=org.h())  # fmt: skip
    problem(r, 422, "invalid_phone_number")
    r = await client.post(f"/v1/reward_links/{link['id']}/resend", json={"channel": "email", "to": "nope"},
                          headers=org.h())  # fmt: skip
    problem(r, 422, "invalid_recipient_email")
    assert await _rows(ctx) == before
    # A valid body over the limit: still the 429, and what it would have queued is not kept.
    r = await client.post(f"/v1/reward_links/{link['id']}/resend", json={"channel": "sms", "to": PHONE},
                          headers=org.h())  # fmt: skip
    problem(r, 429, "resend_rate_limited")
    assert await _rows(ctx) == before


async def test_resend_to_another_channel_and_address_this_once(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, twilio: TwilioSimulator
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)  # delivery "none"
    r = await client.post(
        f"/v1/reward_links/{link['id']}/resend", json={"channel": "sms", "to": PHONE}, headers=org.h()
    )
    assert r.status_code == 200, r.text
    assert r.json()["channel"] == "sms" and r.json()["destination"] == "+*******0123"
    await app.state.worker.drain()
    [text] = texts_for(twilio, link)
    assert text.to == PHONE and URL.findall(text.body) == [link["url"]]
    got = await get_link(client, org, link["id"])
    assert got["recipient"]["phone"] is None and got["status"] == "delivered"


async def test_resend_refusals(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    nowhere = await create(client, org, recipient={"name": "Ada"})
    r = await client.post(f"/v1/reward_links/{nowhere['id']}/resend", headers=org.h())
    problem(r, 422, "delivery_recipient_missing")
    r = await client.post(f"/v1/reward_links/{nowhere['id']}/resend", json={"channel": "email", "to": "nope"},
                          headers=org.h())  # fmt: skip
    problem(r, 422, "invalid_recipient_email")
    r = await client.post(f"/v1/reward_links/{nowhere['id']}/resend", json={"channel": "fax"}, headers=org.h())
    problem(r, 422, "validation_error")
    problem(await client.post("/v1/reward_links/rwl_nope/resend", headers=org.h()), 404, "reward_link_not_found")
    assert (await deliveries(client, org, nowhere["id"]))["data"] == []

    closed = await create(client, org)
    assert (await client.post(f"/v1/reward_links/{closed['id']}/cancel", headers=org.h())).status_code == 200
    problem(await client.post(f"/v1/reward_links/{closed['id']}/resend", headers=org.h()), 409, "reward_link_closed")
    problem(await client.get("/v1/reward_links/rwl_nope/deliveries", headers=org.h()), 404, "reward_link_not_found")


BAD = [
    ("email delivery without an email", {"delivery": "email", "recipient": {"phone": PHONE}}, 422,
     "delivery_recipient_missing"),
    ("sms delivery without a phone", {"delivery": "sms"}, 422, "delivery_recipient_missing"),
    ("sms delivery with a bad phone", {"delivery": "sms", "recipient": {"phone": "+1555"}}, 422, "validation_error"),
    ("email delivery with a bad email", {"delivery": "email", "recipient": {"email": "ada@"}}, 422,
     "validation_error"),
    ("unknown delivery", {"delivery": "pigeon"}, 422, "validation_error"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "status", "code"), BAD, ids=[c[0] for c in BAD])
async def test_bad_delivery_inputs_write_nothing(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, case: str, change: dict[str, Any], status: int,
    code: str,
) -> None:  # fmt: skip
    org = await make_org(USD="100.00")
    problem(await client.post("/v1/reward_links", json=link_body(**change), headers=org.h()), status, code)
    assert await links_of(client, org) == []
    assert await usd(client, org) == (10000, 0, 0)
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (await s.execute(select(func.count()).where(LinkDelivery.org_id == org.id))).scalar_one()
    assert rows == 0


async def test_an_email_that_keeps_failing_fails_once_its_attempts_run_out(
    app: FastAPI,
    ctx: Runtime,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    smtp: SMTPState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "mail_max_attempts", 2)
    address = "busy.server@example.com"
    smtp.answers[address] = ["451 4.3.0 Try again later"] * 5
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email", recipient={"email": address})
    for _ in range(200):  # the retry waits its backoff (REWARDKIT_JOB_BACKOFF_BASE_SECONDS: 0.05 in tests)
        await app.state.worker.drain()
        [d] = (await deliveries(client, org, link["id"]))["data"]
        if d["status"] != "queued":
            break
        await asyncio.sleep(0.05)
    assert d["status"] == "failed" and d["error_code"] == "email_undeliverable" and d["attempts"] == 2
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.delivery_failed"]
    assert (await get_link(client, org, link["id"]))["status"] == "created"


async def test_concurrent_resends_never_pass_the_limit(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    answers = await asyncio.gather(
        *(client.post(f"/v1/reward_links/{link['id']}/resend", headers=org.h()) for _ in range(6))
    )
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 429, 429, 429]
    assert len((await deliveries(client, org, link["id"]))["data"]) == 3


async def test_a_claimed_link_stops_its_reminders(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    expires = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    link = await create(client, org, expires_at=expires, reminders=[1, 3])
    redeem = {"product_id": "amazon_us", "denomination": 25, "currency": "USD"}
    r = await client.post(f"/v1/link_claims/{token_of(link)}/redeem", json=redeem)
    assert r.status_code == 200, r.text
    for days in (1, 3):
        job = await _remind_job(ctx, link["id"], days)
        assert job is not None and job.status != "queued"
    problem(await client.post(f"/v1/reward_links/{link['id']}/resend", headers=org.h()), 409, "reward_link_closed")


async def test_a_batch_delivers_each_link_by_its_own_channel(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, smtp: SMTPState, twilio: TwilioSimulator
) -> None:
    """The batch writes its links through the same insert_in as POST /v1/reward_links: each link's
    message is queued in the batch's transaction, and a refused item sends nothing."""
    org = await make_org(USD="100.00")
    items = [
        link_body(delivery="email", recipient={"email": f"batch{n}@example.com", "country": "US"}) for n in range(3)
    ]
    items.append(link_body(delivery="sms", recipient={"phone": "+14155550123", "country": "US"}))
    items.append(link_body(delivery="email", value=7, recipient={"email": "refused@example.com", "country": "US"}))
    r = await client.post("/v1/reward_links/batch", json={"links": items}, headers=org.h())
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["data"]] == ["created"] * 4 + ["failed"]
    links = [x["link"] for x in body["data"][:4]]
    await app.state.worker.drain()
    for n, link in enumerate(links[:3]):
        [mail] = mails_for(smtp, link)
        assert mail.rcpt_tos == [f"batch{n}@example.com"]
        assert (await get_link(client, org, link["id"]))["status"] == "delivered"
    [text] = texts_for(twilio, links[3])
    assert text.to == "+14155550123"
    assert mails_to(smtp, "refused@example.com") == []
