"""Sending a reward link to its recipient: the first delivery (email or SMS) queued with the link, the
reminders before it expires, resends, the outcome of every message, and bounces (docs/links.md).

    link made (insert_in) ─ first_in ─> link_deliveries row (queued) + mail.send | sms.send job
                                      └> links.remind jobs at expires_at − N days
    mail.send / sms.send final ─> links.mail_result | links.sms_result ─> row sent | failed
                                      sent, first time: link created -> delivered, reward_link.delivered
                                      failed:           reward_link.delivery_failed (status stays)
    POST /v1/email_bounces (hard) ─> row bounced, reward_link.delivery_failed

Every message has its row (`lkd_…`), written in the transaction that queues it; every outcome is a
guarded UPDATE from the row's current status, so a result job that runs twice, or a bounce that
arrives before the send's result, changes nothing twice. The destination is encrypted (Module.sealed);
the API shows it redacted, and never shows the link's token or a voucher code.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from limits import parse
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.ids import new_id
from rewardkit.kit.mail import SANDBOX_BOUNCE, mask_address, new_message_id
from rewardkit.kit.money import format_major
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.kit.phone import mask
from rewardkit.links import repository
from rewardkit.links.errors import (
    DeliveryRecipientMissing,
    EmailDeliveryNotFound,
    ResendRateLimited,
    RewardLinkClosed,
    RewardLinkNotFound,
)
from rewardkit.links.models import (
    CHANNELS,
    MAIL_RESULT_JOB,
    OPEN,
    REMIND_JOB,
    REWARD_LINK_DELIVERED,
    REWARD_LINK_DELIVERY_FAILED,
    REWARD_LINK_EXPIRING,
    SMS_RESULT_JOB,
    LinkDelivery,
    RewardLink,
)
from rewardkit.links.render import render, url
from rewardkit.links.schemas import EmailBounceCreate, LinkDeliveryOut, ResendRequest
from rewardkit.mailbox import service as mailbox
from rewardkit.mailbox.models import LINK, REMINDER
from rewardkit.sms import service as sms

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.links")

# A message whose row is in one of these may still be reported sent, failed or bounced.
_UNSETTLED = ("queued",)
_BOUNCEABLE = ("queued", "sent", "delivered")


def _masked(channel: str, destination: str) -> str:
    return mask_address(destination) if channel == "email" else mask(destination)


def render_delivery(d: LinkDelivery) -> dict[str, Any]:
    return LinkDeliveryOut(
        id=d.id,
        channel=d.channel,  # type: ignore[arg-type]  # CHECK constraint: email | sms
        kind=d.kind,  # type: ignore[arg-type]
        destination=d.destination_masked,
        status=d.status,  # type: ignore[arg-type]
        attempts=d.attempts,
        error_code=d.error_code,
        created_at=d.created_at,
        sent_at=d.sent_at,
        updated_at=d.updated_at,
    ).model_dump(mode="json")


def _recipient(ctx: Runtime, link: RewardLink, channel: str) -> str | None:
    sealed = link.recipient_email if channel == "email" else link.recipient_phone
    return ctx.keyring.decrypt(sealed) if sealed else None


def check_request(delivery: str, email: str | None, phone: str | None) -> None:
    """prepare()'s check, before anything is written: the channel needs its address."""
    field = {"email": "email", "sms": "phone"}.get(delivery)
    if field is None or (email if field == "email" else phone):
        return
    raise DeliveryRecipientMissing(
        f'delivery "{delivery}" needs recipient.{field}.',
        errors=[{"field": f"recipient.{field}", "in": "body", "pointer": f"/recipient/{field}",
                 "message": f'required with delivery "{delivery}"'}],
    )  # fmt: skip


# --- queueing a message --------------------------------------------------------------------------------


async def _send_in(
    ctx: Runtime, s: AsyncSession, link: RewardLink, channel: str, destination: str, kind: str, days_left: int | None
) -> LinkDelivery:
    """Queue one message for the link in the caller's transaction, and its row. Raises the mailbox's or
    sms' 422 problems (a bad address or number, no live SMS provider) before anything is written."""
    now = utcnow()
    delivery = LinkDelivery(
        id=new_id("lkd"), link_id=link.id, org_id=link.org_id, mode=link.mode, channel=channel, kind=kind,
        status="queued", attempts=0, created_at=now, updated_at=now,
    )  # fmt: skip
    value = f"{format_major(link.remaining, link.currency)} {link.currency}"
    expires = f"{link.expires_at:%Y-%m-%d}"
    link_url = url(ctx, link)
    if channel == "email":
        destination = mailbox.clean_address(destination)
        delivery.message_id = new_message_id(ctx.settings.mail_from)
        # sender_name None: the templates say the brand's name (one query fewer per link of a batch).
        context: dict[str, Any] = {
            "recipient_name": link.recipient_name, "sender_name": link.sender_name, "message": link.message,
            "url": link_url, "value": value, "expires_at": expires,
        }  # fmt: skip
        if kind == "reminder":
            context["days_left"] = days_left
        delivery.mail_job_id = await mailbox.queue_email(
            s, ctx, org_id=link.org_id, mode=link.mode, to=destination, kind=REMINDER if kind == "reminder" else LINK,
            context=context, ref=delivery.id, notify=MAIL_RESULT_JOB, message_id=delivery.message_id,
        )  # fmt: skip
    else:
        sender = link.sender_name or (await auth.get_branding(s, link.org_id)).name
        if kind == "reminder":
            text = f"Reminder: your {value} reward from {sender} expires on {expires}. Choose it here: {link_url}"
        else:
            text = f"{sender} sent you a reward of {value}. Choose it here: {link_url}"
        message = await sms.queue_sms(
            s, ctx, org_id=link.org_id, mode=link.mode, to=destination, body=text, reference=delivery.id,
            notify=SMS_RESULT_JOB,
        )  # fmt: skip
        destination = ctx.keyring.decrypt(message.to_sealed)  # as sms normalised it (E.164)
        delivery.sms_id = message.id
    delivery.destination = ctx.keyring.encrypt(destination)
    delivery.destination_hash = ctx.keyring.hash(destination)
    delivery.destination_masked = _masked(channel, destination)
    await repository.add_delivery(s, delivery)
    return delivery


def _remind_key(link_id: str, days: int) -> str:
    return f"remind:{link_id}:{days}"


async def first_in(ctx: Runtime, s: AsyncSession, link: RewardLink) -> None:
    """In insert_in's transaction (POST /v1/reward_links and the batch): queue the link's first message
    on its channel, and its reminder jobs (any delivery: `none` links get the reward_link.expiring
    event). A reminder whose time has already passed is not queued."""
    if link.delivery in CHANNELS:
        destination = _recipient(ctx, link, link.delivery)
        assert destination is not None  # prepare() checked it
        await _send_in(ctx, s, link, link.delivery, destination, "link", None)
    now = utcnow()
    for days in link.reminders:
        at = link.expires_at - timedelta(days=days)
        if at > now:
            payload = {"link_id": link.id, "days": days}
            await jobs.enqueue(s, REMIND_JOB, payload, run_at=at, unique_key=_remind_key(link.id, days))


async def stop_reminders(s: AsyncSession, link: RewardLink, reason: str) -> None:
    """In the transaction that closes the link (claimed, expired, canceled): its reminders are not sent."""
    for days in link.reminders:
        await jobs.stop(s, _remind_key(link.id, days), reason)


# --- the jobs ----------------------------------------------------------------------------------------


async def remind(ctx: Runtime, link_id: str, days: int) -> str:
    """links.remind: a link still open, with value left, gets the reminder on its channel, and
    reward_link.expiring is sent (also for delivery "none": the customer may remind on its own)."""
    async with ctx.db.unit_of_work() as s:
        link = await repository.lock(s, link_id)
        if link is None or link.status not in OPEN or link.remaining <= 0 or link.expires_at <= utcnow():
            return "nothing to remind"
        sent: LinkDelivery | None = None
        if link.delivery in CHANNELS:
            destination = _recipient(ctx, link, link.delivery)
            if destination is not None:
                try:
                    sent = await _send_in(ctx, s, link, link.delivery, destination, "reminder", days)
                except Problem as exc:  # e.g. live SMS no longer configured: the event still goes
                    log.warning("reminder of %s not sent: %s", link.id, exc.code)
        body = render(ctx, link, await repository.timeline(s, link.id))
        body["days_left"] = days
        body["delivery_id"] = sent.id if sent else None
        await ctx.events.emit(s, link.org_id, link.mode, REWARD_LINK_EXPIRING, body)
    return "reminded" if sent else "expiring event only"


async def _settle(
    ctx: Runtime, s: AsyncSession, d: LinkDelivery, ok: bool, code: str | None, error: str | None, attempts: int
) -> bool:
    """Record a message's final outcome once; the link's delivered step or its delivery_failed event."""
    now = utcnow()
    values: dict[str, object] = {"status": "sent" if ok else "failed", "attempts": attempts, "updated_at": now,
                                 "error_code": code, "error": _scrub(ctx, d, error)}  # fmt: skip
    if ok:
        values["sent_at"] = now
    if not await repository.update_delivery(s, d.id, _UNSETTLED, values):
        return False  # recorded already (or bounced first)
    d = await repository.get_delivery(s, d.id) or d
    link = await repository.lock(s, d.link_id)
    assert link is not None
    if ok:
        if await repository.mark_delivered(s, link.id, now):
            await repository.step(s, link.id, "created", "delivered", f"delivered by {d.channel}", now)
            await s.refresh(link)
            await _emit(ctx, s, link, d, REWARD_LINK_DELIVERED)
    else:
        await _emit(ctx, s, link, d, REWARD_LINK_DELIVERY_FAILED)
    return True


async def _emit(ctx: Runtime, s: AsyncSession, link: RewardLink, d: LinkDelivery, event: str) -> None:
    body = render(ctx, link, await repository.timeline(s, link.id))
    body["delivery"] = render_delivery(d)
    await ctx.events.emit(s, link.org_id, link.mode, event, body)


def _scrub(ctx: Runtime, d: LinkDelivery, error: str | None) -> str | None:
    """A server's answer may quote the address: kept only redacted."""
    if error is None:
        return None
    return error.replace(ctx.keyring.decrypt(d.destination), d.destination_masked)[:300]


async def mail_result(ctx: Runtime, payload: dict[str, Any]) -> str:
    """links.mail_result, queued by mail.send when a link's email is final."""
    async with ctx.db.unit_of_work() as s:
        d = await repository.get_delivery(s, str(payload["ref"]))
        if d is None:
            return "no such delivery"
        ok = payload["status"] == "sent"
        code = None if ok else ("email_rejected" if payload.get("permanent", True) else "email_undeliverable")
        changed = await _settle(ctx, s, d, ok, code, payload.get("error"), int(payload.get("attempts") or 1))
        # The sandbox's bouncing address: accepted, then a hard bounce, as a bounce report would record it.
        if ok and changed and d.mode == "test" and ctx.keyring.decrypt(d.destination) == SANDBOX_BOUNCE:
            await _bounce(ctx, s, d, True, "sandbox: 550 5.1.1 mailbox does not exist")
    return "recorded" if changed else "already recorded"


async def sms_result(ctx: Runtime, payload: dict[str, Any]) -> str:
    """links.sms_result, queued by sms.send when a link's text message is final."""
    async with ctx.db.unit_of_work() as s:
        d = await repository.get_delivery(s, str(payload["reference"]))
        if d is None:
            return "no such delivery"
        message = await sms.get_message(s, d.org_id, d.mode, str(payload["sms_id"]))
        attempts = message.attempts if message is not None else 1
        ok = payload["status"] == "sent"
        code = None if ok else str(payload.get("error_code") or "sms_failed")
        changed = await _settle(ctx, s, d, ok, code, None, attempts)
    return "recorded" if changed else "already recorded"


# --- bounces ------------------------------------------------------------------------------------------


async def _bounce(ctx: Runtime, s: AsyncSession, d: LinkDelivery, hard: bool, diagnostic: str | None) -> bool:
    """A hard bounce: the row `bounced` and reward_link.delivery_failed, once. A soft bounce (the
    receiving server will try again) is only noted on the row (error_code email_soft_bounce)."""
    now = utcnow()
    values: dict[str, object] = {"error_code": "email_bounced" if hard else "email_soft_bounce",
                                 "error": _scrub(ctx, d, diagnostic), "updated_at": now}  # fmt: skip
    if hard:
        values["status"] = "bounced"
    if not await repository.update_delivery(s, d.id, _BOUNCEABLE, values):
        return False
    if hard:
        fresh = await repository.get_delivery(s, d.id)
        link = await repository.lock(s, d.link_id)
        assert fresh is not None and link is not None
        await _emit(ctx, s, link, fresh, REWARD_LINK_DELIVERY_FAILED)
    return True


def _message_ids(raw: str) -> list[str]:
    bare = raw.strip().strip("<>")
    return [f"<{bare}>", bare]


async def report_bounce(ctx: Runtime, ident: Principal, req: EmailBounceCreate) -> dict[str, Any]:
    """POST /v1/email_bounces: the email named by Message-ID, or the latest to the address."""
    async with ctx.db.unit_of_work() as s:
        if req.message_id is not None:
            d = await repository.delivery_by_message(s, ident.org_id, ident.mode, _message_ids(req.message_id))
        else:
            assert req.recipient is not None
            address = mailbox.clean_address(req.recipient)
            d = await repository.delivery_by_destination(s, ident.org_id, ident.mode, ctx.keyring.hashes(address))
        if d is None:
            raise EmailDeliveryNotFound("No email sent for a reward link of this org and mode matches the bounce.")
        await _bounce(ctx, s, d, req.type == "hard", req.diagnostic)
        fresh = await repository.get_delivery(s, d.id)
        assert fresh is not None
        return {"object": "email_bounce", "type": req.type, "delivery": render_delivery(fresh)}


# --- resend and the deliveries of a link ----------------------------------------------------------------


async def _scoped(s: AsyncSession, ident: Principal, link_id: str) -> RewardLink:
    link = await repository.get(s, ident.org_id, ident.mode, link_id)
    if link is None:
        raise RewardLinkNotFound(f"No reward link {link_id} for this API key.")
    return link


async def resend(ctx: Runtime, ident: Principal, link_id: str, req: ResendRequest | None) -> dict[str, Any]:
    """POST /v1/reward_links/{id}/resend: the link's message again, on its channel (or the one asked),
    to its recipient (or `to`, this once), at most REWARDKIT_LINK_RESEND_LIMIT per link."""
    req = req or ResendRequest()
    limit = parse(ctx.settings.link_resend_limit)
    async with ctx.db.unit_of_work() as s:
        await _scoped(s, ident, link_id)
        link = await repository.lock(s, link_id)  # concurrent resends of one link count one after the other
        assert link is not None
        now = utcnow()
        if link.status not in OPEN or link.expires_at <= now:
            raise RewardLinkClosed(f"Reward link {link_id} is {link.status}: there is nothing to send.",
                                   link_status=link.status)  # fmt: skip
        channel = req.channel or (link.delivery if link.delivery in CHANNELS else None)
        if channel is None:
            channel = "email" if link.recipient_email else "sms" if link.recipient_phone else None
        destination = req.to or (_recipient(ctx, link, channel) if channel else None)
        if channel is None or destination is None:
            raise DeliveryRecipientMissing(
                "This link has no recipient address for the channel: give `channel` and `to`.",
                errors=[{"field": "to", "in": "body", "pointer": "/to", "message": "no address to send to"}],
            )
        window = timedelta(seconds=limit.get_expiry())
        count, oldest = await repository.resends_since(s, link.id, now - window)
        # The body is validated before the limit is checked (#13 review): a bad `to` is its 422
        # (invalid_phone_number, invalid_recipient_email) even after the limit is reached, so a client
        # fixing its request is not told to wait. _send_in raises those before it writes anything; a
        # valid resend over the limit raises below, and the unit of work rolls back what it queued.
        delivery = await _send_in(ctx, s, link, channel, destination, "resend", None)
        if count >= limit.amount and oldest is not None:
            wait = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise ResendRateLimited(
                f"Reward link {link_id} was resent {count} times in the last {limit.get_expiry()} seconds "
                f"(REWARDKIT_LINK_RESEND_LIMIT={ctx.settings.link_resend_limit}); retry in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        return render_delivery(delivery)


async def list_deliveries(
    ctx: Runtime, ident: Principal, link_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        await _scoped(s, ident, link_id)
        rows = await repository.deliveries(s, link_id, decode_cursor(cursor), limit)
    return page(rows, limit, key=lambda r: r.id, render=render_delivery)
