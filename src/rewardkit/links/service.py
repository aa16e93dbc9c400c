"""Reward links: a link's value is reserved in the ledger when it is made, claimed as orders paid
from that reservation, and what is left goes back to the wallet, to the cent, on cancel or expiry.

    created -> (delivered) -> opened -> claimed
        \\            \\           \\-> partially_claimed (allow_split) -> claimed
         \\-----------+-----------+-------> expired | canceled   (from any open state)

Every status change is a guarded UPDATE (repository.py), so two writers never both apply one: a
link is claimed, expired or canceled once, and its reservation released once (its ledger reference
`<link id>:release` is unique as well). This file is the domain's face: routes and the job call it.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.principals import LINK_VISITOR, Principal
from rewardkit.catalog.models import CATEGORIES
from rewardkit.jobs import service as jobs
from rewardkit.jobs.worker import Worker
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import MoneyError, is_currency, to_minor
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.links import choices, delivery, repository
from rewardkit.links import verification as verify
from rewardkit.links.errors import (
    AmountNotAllowed,
    DeliveryUnavailable,
    InvalidExpiry,
    ProductNotInChoice,
    RewardLinkCanceled,
    RewardLinkClaimed,
    RewardLinkExpired,
    RewardLinkNotCancelable,
    RewardLinkNotFound,
    ValueNotAllowed,
    VerificationCodeExpired,
    VerificationCodeInvalid,
    VerificationLocked,
    VerificationNotEnabled,
    VerificationRequired,
    VerificationThrottled,
)
from rewardkit.links.models import (
    EXPIRE_JOB,
    HOLDER,
    OPEN,
    RESERVED,
    REWARD_LINK_CANCELED,
    REWARD_LINK_CLAIMED,
    REWARD_LINK_CREATED,
    REWARD_LINK_EXPIRED,
    REWARD_LINK_OPENED,
    RewardLink,
    RewardLinkTransition,
)
from rewardkit.links.render import render, render_claim
from rewardkit.links.schemas import LinkVerificationGrant, LinkVerificationOut, RedeemRequest, RewardLinkCreate
from rewardkit.mailbox import service as mailbox
from rewardkit.orders import service as orders
from rewardkit.orders.schemas import OrderCreate
from rewardkit.orders.state import IdempotencyIntent, Outcome
from rewardkit.sms.gateway import SmsGateway
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# Live links live at least a day: a shorter one is a mistake more often than a wish. Test mode takes any
# future time, so expiry can be tried in seconds (docs/links.md).
MIN_LIVE_LIFETIME = timedelta(days=1)
MAX_VALUE_MINOR = 10**12
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class KeyExists(Exception):
    """The fast claim found the Idempotency-Key already used: take the full path (replay, 409, 422)."""


def _step(link_id: str, frm: str | None, to: str, reason: str, at: datetime) -> RewardLinkTransition:
    return RewardLinkTransition(link_id=link_id, from_status=frm, to_status=to, reason=reason, created_at=at)


def _holder(link_id: str) -> ledger.Holder:
    return ledger.Holder(HOLDER, link_id)


def _entry(link: RewardLink, kind: str, step: str, amount: int, to_link: bool, description: str) -> ledger.Entry:
    """wallet -> the link's reservation (to_link), or back."""
    sign = 1 if to_link else -1
    return ledger.Entry(
        org_id=link.org_id,
        mode=link.mode,
        kind=kind,
        reference=f"{link.id}:{step}",
        legs=[
            ledger.Leg("wallet", link.currency, -sign * amount),
            ledger.Leg(RESERVED, link.currency, sign * amount, _holder(link.id)),
        ],
        description=description,
        source_id=link.id,
    )


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
        raise ValidationFailed(errors=[{"field": "currency", "in": "body", "message": "not an ISO 4217 currency"}])
    try:
        minor = to_minor(req.value, req.currency)
    except MoneyError as exc:
        raise ValidationFailed(errors=[{"field": "value", "in": "body", "message": str(exc)}]) from exc
    if minor > MAX_VALUE_MINOR:  # a BIGINT holds it, but no reward is worth it: refused before any SQL
        raise ValidationFailed(errors=[{"field": "value", "in": "body", "message": "too large for a reward link"}])
    return minor


async def _check_choice(ctx: Runtime, req: RewardLinkCreate, value: int) -> None:
    """At least one product of the choice must sell the value (allow_split: some amount up to it)."""
    choice = req.choice.model_dump(exclude_none=True) if req.choice else None
    if choice and choice.get("categories"):
        unknown = [c for c in choice["categories"] if c not in CATEGORIES]
        if unknown:
            raise ValidationFailed(
                errors=[{"field": "choice.categories", "in": "body", "message": f"unknown categories: {unknown}"}]
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
    step = _step(link.id, None, "created", "link created", link.created_at)
    await repository.add(s, link, step)
    body = render(ctx, link, [step])
    await ctx.events.emit(s, link.org_id, link.mode, REWARD_LINK_CREATED, body)
    await jobs.enqueue(s, EXPIRE_JOB, {"link_id": link.id}, run_at=link.expires_at, unique_key=f"expire:{link.id}")
    await delivery.first_in(ctx, s, link)  # its first message and its reminders (links/delivery.py)
    # The reservation last, as orders debit last: the wallet row stays locked from here to the commit.
    entry = _entry(link, "link_reserve", "reserve", link.value_minor, True, f"Reward link {link.id}")
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
        entry = _entry(link, "link_release", "release", held, False, f"{word} of reward link {link.id}")
        await ledger.post(s, entry, ctx.part(ledger.AccountIds))
    await repository.record(s, _step(link.id, link.status, to, reason, now))  # link.status: before the UPDATE
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


# --- the headless claim API (the token is the credential) -----------------------------------------


async def _by_token(ctx: Runtime, s: AsyncSession, token: str) -> RewardLink:
    # Shape first: what cannot be one of our tokens never reaches the database. Then a lookup by the
    # token's HMAC under every key: the token itself is never compared (no timing to learn from).
    link = await repository.by_token_hashes(s, ctx.keyring.hashes(token)) if _TOKEN.fullmatch(token) else None
    if link is None:
        raise RewardLinkNotFound("No reward link has this token.")
    return link


def _refuse_closed(link: RewardLink, now: datetime, claiming: bool) -> None:
    if link.status == "canceled":
        raise RewardLinkCanceled("The sender canceled this reward link.")
    if link.status == "expired" or (link.status in OPEN and link.expires_at <= now):
        raise RewardLinkExpired(f"This reward link expired at {link.expires_at.isoformat()}.")
    if claiming and link.status == "claimed":
        raise RewardLinkClaimed("This reward link was already claimed.")


async def _offered(ctx: Runtime, link: RewardLink) -> list[dict[str, Any]]:
    if link.status not in OPEN:
        return []
    return await choices.offered(
        ctx, link.currency, link.recipient_country, link.choice, link.remaining, whole=not link.allow_split
    )


@dataclass
class ClaimPage:
    """What the hosted page (/l/{token}) shows: the claim view, or why the link is closed, in the org's frame."""

    view: dict[str, Any]
    closed: Problem | None  # RewardLinkExpired | RewardLinkCanceled: the view is not to be shown
    link: RewardLink
    branding: auth.Branding | None  # only when asked for (the hosted page's frame)
    verified: bool  # no verification needed, or a live Link-Verification token came with the request


def _verified(ctx: Runtime, link: RewardLink, verification: str | None, now: datetime) -> bool:
    return link.verification == "none" or verify.granted(ctx.keyring, link.id, verification, now)


async def claim_page(
    ctx: Runtime, token: str, verification: str | None = None, *, branding: bool = True
) -> ClaimPage:
    """The rules of GET /v1/link_claims/{token}, for the claim API and the hosted page alike: the first
    look at an open link marks it opened; an email_otp link not verified yet hides its choices.
    `branding`: also read the org's frame (the page; the claim API needs none)."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        link = await _by_token(ctx, s, token)
        frame = await auth.get_branding(s, link.org_id) if branding else None
    now = utcnow()
    try:
        _refuse_closed(link, now, claiming=False)
    except Problem as closed:
        return ClaimPage(render_claim(link, [], hidden=False), closed, link, frame, False)
    if link.status in ("created", "delivered"):
        async with ctx.db.unit_of_work() as s:
            if await repository.mark_opened(s, link.id, now):
                await repository.record(s, _step(link.id, link.status, "opened", "opened by the recipient", now))
                fresh = await repository.get(s, link.org_id, link.mode, link.id)
                assert fresh is not None
                await s.refresh(fresh)
                body = render(ctx, fresh, await repository.timeline(s, link.id))
                await ctx.events.emit(s, link.org_id, link.mode, REWARD_LINK_OPENED, body)
                link = fresh
    ok = _verified(ctx, link, verification, now)
    view = render_claim(link, await _offered(ctx, link) if ok else [], hidden=not ok and link.status in OPEN)
    return ClaimPage(view, None, link, frame, ok)


async def claim_view(ctx: Runtime, token: str, verification: str | None = None) -> dict[str, Any]:
    """GET /v1/link_claims/{token}: the link as its recipient may see it; the first look marks it opened."""
    got = await claim_page(ctx, token, verification, branding=False)
    if got.closed is not None:
        raise got.closed
    return got.view


async def redeem(
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    token: str,
    req: RedeemRequest,
    verification: str | None = None,
) -> dict[str, Any]:
    """POST /v1/link_claims/{token}/redeem: one order paid from the link's reservation. In one
    transaction: the guarded UPDATE that takes the amount from the link (concurrent redeems queue on
    its row; whoever finds too little is refused), the reservation's move back to the wallet and the
    order's booking and debit, posted together (orders.place_in), so no other order can take that money
    in between. Then the order is fulfilled as POST /v1/orders does."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        link = await _by_token(ctx, s, token)
    _refuse_closed(link, utcnow(), claiming=True)
    if not _verified(ctx, link, verification, utcnow()):
        raise VerificationRequired(
            "This link needs the code emailed to its recipient: POST /v1/link_claims/{token}/verification, "
            f"then send the verification token in the {verify.HEADER} header."
        )
    if req.currency != link.currency:
        raise AmountNotAllowed(f"This link pays in {link.currency}, not {req.currency}.")
    try:
        amount = to_minor(Decimal(req.denomination), link.currency)
    except MoneyError as exc:
        raise AmountNotAllowed(f"{req.denomination} {link.currency}: {exc}.") from exc
    single = not link.allow_split
    offered = await choices.allowed(
        ctx, link.currency, link.recipient_country, link.choice, req.product_id, link.remaining, whole=single
    )
    if offered is None:
        raise ProductNotInChoice(
            f"{req.product_id!r} is not one of this link's choices (GET /v1/link_claims/{{token}})."
        )
    if (single and amount != link.remaining) or amount > link.remaining:
        what = f"exactly {link.remaining}" if single else f"at most {link.remaining}"
        raise AmountNotAllowed(f"This link covers {what} {link.currency} minor units.")
    visitor = Principal(kind=LINK_VISITOR, org_id=link.org_id, mode=link.mode, id=link.id, subject=link.id)
    order_req = OrderCreate.model_validate(
        {
            "product_id": req.product_id,
            "denomination": req.denomination,
            "currency": link.currency,
            "country": link.recipient_country,
            "recipient": {
                "email": ctx.keyring.decrypt(link.recipient_email) if link.recipient_email else None,
                "name": link.recipient_name,
            },
            "metadata": {"reward_link": link.id},
        }
    )
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        current = await repository.lock(s, link.id)
        assert current is not None
        before = current.status
        taken = await repository.take(s, link.id, amount, single, now)
        if taken is None:  # someone else claimed, canceled or took from it first
            _refuse_closed(current, now, claiming=True)
            raise AmountNotAllowed(f"This link now holds {current.remaining} {link.currency} minor units.")
        n = len(taken.order_ids) + 1
        back = _entry(taken, "link_claim", f"claim:{n}", amount, False, f"Claim {n} of reward link {link.id}")
        booked = await orders.place_in(ctx, s, registry, runner, visitor, order_req, [back])
        await repository.add_order(s, taken, booked.order.id)
        await repository.record(s, _step(link.id, before, taken.status, f"claimed {booked.order.id}", now))
        if taken.status == "claimed":
            await jobs.stop(s, f"expire:{link.id}", "link claimed")
            await delivery.stop_reminders(s, taken, "link claimed")
        body = render(ctx, taken, await repository.timeline(s, link.id))
        await ctx.events.emit(s, link.org_id, link.mode, REWARD_LINK_CLAIMED, body)
        view = render_claim(taken, [])
    outcome = await orders.finish_placed(ctx, runner, visitor, booked)
    if taken.status in OPEN:
        view = render_claim(taken, await _offered(ctx, taken))
    return {"object": "link_redemption", "order": outcome.body, "link": view}


# --- #13 email verification (verification.py) ---------------------------------------------------------


def _needs_code(link: RewardLink) -> None:
    if link.verification != "email_otp" or not link.recipient_email:
        raise VerificationNotEnabled("This reward link needs no verification: claim it as it is.")


async def send_verification(ctx: Runtime, token: str) -> dict[str, Any]:
    """POST /v1/link_claims/{token}/verification: a new 6-digit code by email (mailbox, kind "otp"); the
    previous code is dead from now on. Throttled per link (resend interval, codes per hour)."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        link = await _by_token(ctx, s, token)
    now = utcnow()
    _refuse_closed(link, now, claiming=True)
    _needs_code(link)
    settings = ctx.settings
    email = ctx.keyring.decrypt(link.recipient_email or "")
    async with ctx.db.unit_of_work() as s:
        await repository.lock(s, link.id)  # one send at a time per link: the throttle below cannot be raced
        last = await verify.current(s, link.id)
        if last is not None and last.sent_at + timedelta(seconds=settings.link_otp_resend_seconds) > now:
            wait = max(1, math.ceil((last.sent_at - now).total_seconds() + settings.link_otp_resend_seconds))
            raise VerificationThrottled(
                f"A code was sent a moment ago; ask for a new one in {wait} s.", headers={"Retry-After": str(wait)}
            )
        n, first = await verify.sent_since(s, link.id, now - timedelta(hours=1))
        if n >= settings.link_otp_per_hour and first is not None:
            wait = max(1, math.ceil((first + timedelta(hours=1) - now).total_seconds()))
            raise VerificationThrottled(
                f"{n} codes were sent for this link in the last hour; ask again in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        code = verify.new_code()
        row = await verify.add(s, ctx.keyring, link.id, code, now)
        await mailbox.queue_email(
            s,
            ctx,
            org_id=link.org_id,
            mode=link.mode,
            to=email,
            kind="otp",
            context={
                "code": code,
                "minutes": int(verify.CODE_LIFETIME.total_seconds() // 60),
                "recipient_name": link.recipient_name,
                "sender_name": link.sender_name,
            },
            ref=f"{link.id}:otp:{row.id}",
        )
    return LinkVerificationOut(
        sent_to=verify.mask(email),
        expires_at=row.expires_at,
        resend_after=now + timedelta(seconds=settings.link_otp_resend_seconds),
        attempts=verify.MAX_ATTEMPTS,
    ).model_dump(mode="json")


async def check_verification(ctx: Runtime, token: str, code: str) -> dict[str, Any]:
    """POST /v1/link_claims/{token}/verification/check: the newest code, right -> a verification token
    (the code is spent); wrong -> one attempt fewer, written even though the answer is an error."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        link = await _by_token(ctx, s, token)
    now = utcnow()
    _refuse_closed(link, now, claiming=True)
    _needs_code(link)
    right = matched = False
    attempts: int | None = None
    async with ctx.db.unit_of_work() as s:
        row = await verify.current(s, link.id)
        if row is None or row.verified_at is not None or row.expires_at <= now:
            raise VerificationCodeExpired(
                "No code is waiting for this link (none sent, expired or used): ask for a new one."
            )
        if row.attempts >= verify.MAX_ATTEMPTS:
            raise VerificationLocked("Too many wrong codes: this code is dead. Ask for a new one.")
        matched = verify.matches(ctx.keyring, link.id, code, row.code_hash)
        if matched:
            right = await verify.verified(s, row.id, now)
        else:
            attempts = await verify.wrong(s, row.id)  # committed with the block: the answer below is a 4xx
    if matched and not right:  # a concurrent check of the same code spent it first
        raise VerificationCodeExpired("This code was just used: ask for a new one.")
    if right:
        value, expires_at = verify.grant(ctx.keyring, link.id, now)
        return LinkVerificationGrant(verification_token=value, expires_at=expires_at).model_dump(mode="json")
    if attempts is None or attempts >= verify.MAX_ATTEMPTS:  # dead meanwhile, or this was its last attempt
        raise VerificationLocked("Too many wrong codes: this code is dead. Ask for a new one.")
    left = verify.MAX_ATTEMPTS - attempts
    raise VerificationCodeInvalid(
        f"That is not the code; {left} attempt{'s' if left != 1 else ''} left.", attempts_left=left
    )


async def claimed_order(ctx: Runtime, link: RewardLink, order_id: str) -> dict[str, Any] | None:
    """One of the link's own orders (its voucher), for the hosted page after a claim; None for any other id."""
    if order_id not in link.order_ids:
        return None
    visitor = Principal(kind=LINK_VISITOR, org_id=link.org_id, mode=link.mode, id=link.id, subject=link.id)
    return await orders.get(ctx, visitor, order_id)
