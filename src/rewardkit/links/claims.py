"""The recipient's side of a link, for the headless claim API (/v1/link_claims/{token}) and the
hosted page (/l/{token}) alike: the token is the credential. Looking opens the link; a claim is an
order paid from the link's reservation; an email_otp link asks for its emailed code first. The rules
live here once; api.py and pages.py only translate them to JSON and HTML."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.principals import LINK_VISITOR, Principal
from rewardkit.jobs import service as jobs
from rewardkit.jobs.worker import Worker
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.money import MoneyError, format_major, to_minor
from rewardkit.ledger import service as ledger
from rewardkit.links import choices, delivery, money, repository
from rewardkit.links import verification as verify
from rewardkit.links.errors import (
    AmountNotAllowed,
    ProductNotInChoice,
    RewardLinkCanceled,
    RewardLinkClaimed,
    RewardLinkExpired,
    RewardLinkNotFound,
    VerificationCodeExpired,
    VerificationCodeInvalid,
    VerificationLocked,
    VerificationNotEnabled,
    VerificationRequired,
    VerificationThrottled,
)
from rewardkit.links.models import (
    OPEN,
    REWARD_LINK_CLAIMED,
    REWARD_LINK_OPENED,
    RewardLink,
)
from rewardkit.links.render import render, render_claim
from rewardkit.links.schemas import LinkVerificationGrant, LinkVerificationOut, RedeemRequest
from rewardkit.mailbox import service as mailbox
from rewardkit.orders import service as orders
from rewardkit.orders.schemas import OrderCreate
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# What can be one of our tokens (secrets.token_urlsafe(24)): anything else never reaches the database.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


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


async def claim_page(ctx: Runtime, token: str, verification: str | None = None, *, branding: bool = True) -> ClaimPage:
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
                await repository.step(s, link.id, link.status, "opened", "opened by the recipient", now)
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
        left = format_major(link.remaining, link.currency)
        what = f"exactly {left}" if single else f"at most {left}"
        raise AmountNotAllowed(f"This link covers {what} {link.currency}.")
    # A split claim can leave a remainder no product of the choice sells (10.37 -> 0.37 USD of Amazon
    # cards): reserved until expiry, claimable by nobody. Read from the catalog here, outside the write
    # transaction; that remainder goes back to the wallet with the claim (docs/links.md).
    rest = link.remaining - amount
    stranded = (
        not single
        and rest > 0
        and not await choices.offered(ctx, link.currency, link.recipient_country, link.choice, rest, whole=False)
    )
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
            raise AmountNotAllowed(
                f"This link now holds {format_major(current.remaining, link.currency)} {link.currency}."
            )
        n = len(taken.order_ids) + 1
        back = money.entry(taken, "link_claim", f"claim:{n}", amount, False, f"Claim {n} of reward link {link.id}")
        booked = await orders.place_in(ctx, s, registry, runner, visitor, order_req, [back])
        await repository.add_order(s, taken, booked.order.id)
        reason = f"claimed {booked.order.id}"
        # Only the remainder checked above: a concurrent claim that took more leaves another one, unchecked.
        if stranded and taken.status == "partially_claimed" and taken.remaining == rest:
            held = await repository.close(s, link.id, "claimed", now)
            if held:
                release = money.entry(
                    taken, "link_release", "release", held, False, f"Unclaimable remainder of reward link {link.id}"
                )
                await ledger.post(s, release, ctx.part(ledger.AccountIds))
                reason += (
                    f"; the remaining {format_major(held, link.currency)} {link.currency} went back to the wallet"
                    " (no product of the choice sells it)"
                )
            await s.refresh(taken)
        await repository.step(s, link.id, before, taken.status, reason, now)
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
