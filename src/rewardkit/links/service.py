"""Reward links: a link's value is reserved in the ledger when it is made, claimed as orders paid
from that reservation, and what is left goes back to the wallet, to the cent, on cancel or expiry.

    created -> (delivered) -> opened -> claimed
        \\            \\           \\-> partially_claimed (allow_split) -> claimed
         \\-----------+-----------+-------> expired | canceled   (from any open state)

Every status change is a guarded UPDATE (repository.py), so two writers never both apply one: a
link is claimed, expired or canceled once, and its reservation released once (its ledger reference
`<link id>:release` is unique as well). This file is the sender's side (make, read, cancel, expire);
the recipient's side (the claim API and the hosted page) is claims.py, the ledger entries money.py.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.catalog.models import CATEGORIES
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import MoneyError, is_currency, to_minor
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.links import choices, delivery, money, repository
from rewardkit.links.errors import (
    DeliveryUnavailable,
    InvalidExpiry,
    RewardLinkNotCancelable,
    RewardLinkNotFound,
    ValueNotAllowed,
)
from rewardkit.links.models import (
    EXPIRE_JOB,
    OPEN,
    REWARD_LINK_CANCELED,
    REWARD_LINK_CREATED,
    REWARD_LINK_EXPIRED,
    RewardLink,
)
from rewardkit.links.render import render
from rewardkit.links.schemas import RewardLinkCreate
from rewardkit.orders.state import IdempotencyIntent, Outcome
from rewardkit.sms.gateway import SmsGateway

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# Live links live at least a day: a shorter one is a mistake more often than a wish. Test mode takes any
# future time, so expiry can be tried in seconds (docs/links.md).
MIN_LIVE_LIFETIME = timedelta(days=1)
MAX_VALUE_MINOR = 10**12


class KeyExists(Exception):
    """The fast claim found the Idempotency-Key already used: take the full path (replay, 409, 422)."""


# --- create ------------------------------------------------------------------------------------


def _expiry(ident: Principal, wanted: datetime | None, now: datetime) -> datetime:
    if wanted is None:
        return now + DEFAULT_LIFETIME
    problem = None
    if wanted <= now:
        problem = "expires_at is in the past"
    elif wanted - now > MAX_LIFETIME:
        problem = "expires_at is more than 365 days away"
    elif ident.mode == "live" and wanted - now < MIN_LIVE_LIFETIME:
        problem = "live links expire at least 24 hours from now (test mode takes any future time)"
    if problem:
        raise InvalidExpiry(
            f"{problem}.", errors=[{"field": "expires_at", "in": "body", "pointer": "/expires_at", "message": problem}]
        )
    return wanted.astimezone(UTC)  # within a year of now: no calendar overflow


def _value(req: RewardLinkCreate) -> int:
    if not is_currency(req.currency):
        raise ValidationFailed(
            errors=[{"field": "currency", "message": "not an ISO 4217 currency", "code": "currency_invalid"}]
        )
    try:
        minor = to_minor(req.value, req.currency)
    except MoneyError as exc:
        raise ValidationFailed(errors=[{"field": "value", "message": str(exc), "code": "amount_invalid"}]) from exc
    if minor > MAX_VALUE_MINOR:  # a BIGINT holds it, but no reward is worth it: refused before any SQL
        raise ValidationFailed(
            errors=[{"field": "value", "message": "too large for a reward link", "code": "too_large"}]
        )
    return minor


async def _check_choice(ctx: Runtime, req: RewardLinkCreate, value: int) -> None:
    """At least one product of the choice must sell the value (allow_split: some amount up to it)."""
    choice = req.choice.model_dump(exclude_none=True) if req.choice else None
    if choice and choice.get("categories"):
        unknown = [c for c in choice["categories"] if c not in CATEGORIES]
        if unknown:
            raise ValidationFailed(
                errors=[
                    {
                        "field": f"choice.categories.{i}",
                        "message": f"unknown category {c!r}",
                        "code": "unknown_category",
                    }
                    for i, c in enumerate(choice["categories"])
                    if c not in CATEGORIES
                ]
            )
    country = req.recipient.country
    found = await choices.candidates(ctx, req.currency, country, choice, strict=True)
    if not any(choices.covered(p, req.currency, value, whole=not req.allow_split) for p in found):
        where = f" in {country}" if country else ""
        how = "any amount up to" if req.allow_split else "exactly"
        raise ValueNotAllowed(
            f"No product of the choice is sold{where} for {how} {req.value} {req.currency}: "
            "see the denominations in GET /v1/products.",
            errors=[
                {"field": "value", "in": "body", "pointer": "/value", "message": "no product of the choice sells it"}
            ],
        )


async def create(ctx: Runtime, ident: Principal, req: RewardLinkCreate, intent: IdempotencyIntent | None) -> Outcome:
    """Make a link and reserve its value, in one transaction. With an Idempotency-Key, as orders do: the
    key is claimed inside that transaction; a key seen before takes the full protocol."""
    try:
        return await _create(ctx, ident, req, intent, None)
    except KeyExists:
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return Outcome(found.status, found.body, replayed=True)
    if found.resource_id:  # a previous attempt made the link and died before storing its answer
        body = await get(ctx, ident, found.resource_id)
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, found.record_id, 200, body)
        return Outcome(200, body)
    return await _create(ctx, ident, req, None, found)


async def prepare(ctx: Runtime, ident: Principal, req: RewardLinkCreate) -> RewardLink:
    """Check a link's request and build its row, unsaved: every refusal that needs no transaction
    (delivery, expiry, value, choice) happens here, before anything is written. POST /v1/reward_links
    and the batch both call it, then insert_in."""
    delivery.check_request(req.delivery, req.recipient.email, req.recipient.phone)
    if req.delivery == "sms" and ctx.part(SmsGateway).provider(ident.mode) is None:
        raise DeliveryUnavailable(
            f'delivery "sms" is not available in {ident.mode} mode on this server (REWARDKIT_SMS_PROVIDER): '
            'use "email", or "none" and send the url yourself.',
            errors=[{"field": "delivery", "in": "body", "pointer": "/delivery", "message": "no SMS provider"}],
        )
    now = utcnow()
    expires_at = _expiry(ident, req.expires_at, now)
    value = _value(req)
    await _check_choice(ctx, req, value)
    token = secrets.token_urlsafe(24)
    r = req.recipient
    return RewardLink(
        id=new_id("rwl"),
        org_id=ident.org_id,
        mode=ident.mode,
        status="created",
        currency=req.currency,
        value_minor=value,
        remaining=value,
        choice=req.choice.model_dump(exclude_none=True) if req.choice else None,
        recipient_name=r.name,
        recipient_email=ctx.keyring.encrypt(r.email) if r.email else None,
        recipient_phone=ctx.keyring.encrypt(r.phone) if r.phone else None,
        recipient_country=r.country,
        message=req.message,
        sender_name=req.sender_name,
        expires_at=expires_at,
        allow_split=req.allow_split,
        reminders=sorted(set(req.reminders), reverse=True),
        external_id=req.external_id,
        metadata_=dict(req.metadata),
        delivery=req.delivery,
        token_hash=ctx.keyring.hash(token),
        token=ctx.keyring.encrypt(token),
        order_ids=[],
        created_at=now,
        updated_at=now,
        opened_at=None,
        verification=req.verification,
    )


async def insert_in(ctx: Runtime, s: AsyncSession, link: RewardLink) -> dict[str, Any]:
    """Write a prepared link in the caller's transaction: its row and first step, its event, its expiry
    job, and last the reservation of its value (insufficient_funds raises and the caller's transaction
    writes nothing). Answers the link's body."""
    step = repository.transition(link.id, None, "created", "link created", link.created_at)
    await repository.add(s, link, step)
    body = render(ctx, link, [step])
    await ctx.events.emit(s, link.org_id, link.mode, REWARD_LINK_CREATED, body)
    await jobs.enqueue(s, EXPIRE_JOB, {"link_id": link.id}, run_at=link.expires_at, unique_key=f"expire:{link.id}")
    await delivery.first_in(ctx, s, link)  # its first message and its reminders (links/delivery.py)
    # The reservation last, as orders debit last: the wallet row stays locked from here to the commit.
    entry = money.entry(link, "link_reserve", "reserve", link.value_minor, True, f"Reward link {link.id}")
    await ledger.post(s, entry, ctx.part(ledger.AccountIds))
    threshold = to_minor(ctx.settings.balance_low_threshold, link.currency)
    after = entry.balance_after("wallet", link.currency)
    await ledger.note_debit(s, ctx.events, link.org_id, link.mode, link.currency, after, link.value_minor, threshold)
    return body


async def _create(
    ctx: Runtime, ident: Principal, req: RewardLinkCreate, intent: IdempotencyIntent | None, claim: Claim | None
) -> Outcome:
    record_id = claim.record_id if claim else None
    try:
        link = await prepare(ctx, ident, req)
        async with ctx.db.unit_of_work() as s:
            if intent is not None:  # first, so that a reused key is told apart before anything is written
                record_id = await ctx.idempotency.claim_in(
                    s, ident.org_id, ident.mode, intent.key, intent.fingerprint, link.id
                )
                if record_id is None:
                    raise KeyExists
            elif claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, link.id)
            body = await insert_in(ctx, s, link)
            if record_id is not None:
                await ctx.idempotency.complete(s, record_id, 200, body)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    return Outcome(200, body)


# --- read --------------------------------------------------------------------------------------


async def get(ctx: Runtime, ident: Principal, link_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        link = await repository.get(s, ident.org_id, ident.mode, link_id)
        if link is None:
            raise RewardLinkNotFound(f"No reward link {link_id} for this API key.")
        return render(ctx, link, await repository.timeline(s, link.id))


async def list_links(
    ctx: Runtime,
    ident: Principal,
    *,
    status: str | None,
    external_id: str | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.search(
            s,
            ident.org_id,
            ident.mode,
            status=status,
            external_id=external_id,
            created_gte=created_gte,
            created_lte=created_lte,
            before=decode_cursor(cursor),
            limit=limit,
        )
        steps = await repository.timelines(s, [r.id for r in rows[:limit]])
    return page(rows, limit, key=lambda r: r.id, render=lambda r: render(ctx, r, steps.get(r.id, [])))


# --- cancel and expiry -------------------------------------------------------------------------


async def _close(ctx: Runtime, s: AsyncSession, link: RewardLink, to: str, reason: str) -> dict[str, Any] | None:
    """Close an open link and give what it holds back to the wallet, in the caller's transaction; None if
    it was no longer open (the other writer's outcome stands)."""
    now = utcnow()
    held = await repository.close(s, link.id, to, now)
    if held is None:
        return None
    if held > 0:
        word = "Expiry" if to == "expired" else "Cancellation"
        entry = money.entry(link, "link_release", "release", held, False, f"{word} of reward link {link.id}")
        await ledger.post(s, entry, ctx.part(ledger.AccountIds))
    await repository.step(s, link.id, link.status, to, reason, now)  # link.status: before the UPDATE
    if to != "expired":
        await jobs.stop(s, f"expire:{link.id}", f"link {to}")
    await delivery.stop_reminders(s, link, f"link {to}")
    await s.refresh(link)
    body = render(ctx, link, await repository.timeline(s, link.id))
    event = REWARD_LINK_EXPIRED if to == "expired" else REWARD_LINK_CANCELED
    await ctx.events.emit(s, link.org_id, link.mode, event, body)
    return body


async def cancel(ctx: Runtime, ident: Principal, link_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        link = await repository.get(s, ident.org_id, ident.mode, link_id)
        if link is None:
            raise RewardLinkNotFound(f"No reward link {link_id} for this API key.")
        link = await repository.lock(s, link_id)
        assert link is not None
        body = await _close(ctx, s, link, "canceled", "canceled by API")
        if body is None:
            await s.refresh(link)
            raise RewardLinkNotCancelable(
                f"Reward link {link_id} is {link.status}; only links that still hold money can be canceled.",
                link_status=link.status,
            )
        return body


async def expire(ctx: Runtime, link_id: str) -> str:
    """The links.expire job: expire the link and release what it holds, once. A link claimed or
    canceled first is left as it is."""
    async with ctx.db.unit_of_work() as s:
        link = await repository.lock(s, link_id)
        if link is None or link.status not in OPEN:
            return "nothing to expire"
        if link.expires_at > utcnow():
            raise jobs.Defer("not due yet", (link.expires_at - utcnow()).total_seconds())
        body = await _close(ctx, s, link, "expired", "expired")
    return "expired" if body is not None else "nothing to expire"
