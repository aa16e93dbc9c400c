"""Every movement of points, inside the caller's transaction: credits and debits here, reversals,
releases and expiry in corrections.py, all booked by `book` below.

Each one locks the member's row first (a guarded UPDATE of its balances), then reads and changes the
member's lots, then books ONE balanced ledger transaction in the program's asset (and, for a prefunded
program, in its currency) whose legs follow from the member's balances before and after:

    member wallet       += max(available after, 0) - max(available before, 0)
    member points_debt  += min(available after, 0) - min(available before, 0)   (allow_negative only)
    member pending      += pending after - pending before
    org counterpart     -= the sum (points_issued | points_spent | points_expired)

so the ledger and the member's cached balances cannot disagree. Lock order everywhere: member row,
program row (its `outstanding`, moved by every movement that changes what members hold, in both
fundings), ledger accounts (by id, in ledger.post). Nothing here commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.points import repository, tiers
from rewardkit.points.errors import (
    InsufficientPoints,
    ReferenceReused,
)
from rewardkit.points.models import (
    AVAILABLE,
    BACKING,
    BACKING_HOLDER,
    DEBT,
    EXPIRE_JOB,
    ISSUED,
    MEMBER_HOLDER,
    NOTICE_JOB,
    PENDING,
    POINTS_CREDITED,
    POINTS_DEBITED,
    RELEASE_JOB,
    SPENT,
    PointsLot,
    PointsMember,
    PointsProgram,
    PointsTransaction,
)
from rewardkit.points.render import backing_minor, render_tx

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def now() -> datetime:
    """The domain's clock: tests move it (monkeypatch rewardkit.points.movements.now)."""
    return utcnow()


def fingerprint(kind: str, member_id: str, points: int, reason: str | None, expires_at: datetime | None) -> str:
    """What a reference stands for: the same reference with the same request replays, with another is 409."""
    raw = orjson.dumps([kind, member_id, points, reason, expires_at.isoformat() if expires_at else None])
    return hashlib.sha256(raw).hexdigest()


@dataclass
class Result:
    tx: PointsTransaction
    body: dict[str, Any]
    replayed: bool = False


def job_keys(lot_id: str) -> tuple[str, str, str]:
    return f"points_expire:{lot_id}", f"points_notice:{lot_id}", f"points_release:{lot_id}"


async def book(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    reference: str,
    kind: str,
    before: tuple[int, int],
    after: tuple[int, int],
    counter: str,
    description: str,
) -> int:
    """The ledger transaction of one movement (see the module's docstring); returns the cash moved into
    the backing account (prefunded: + in, - out; 0 otherwise)."""
    (a0, p0), (a1, p1) = before, after
    holder = ledger.Holder(MEMBER_HOLDER, member.id)
    d_wallet, d_debt, d_pending = max(a1, 0) - max(a0, 0), min(a1, 0) - min(a0, 0), p1 - p0
    legs = [
        ledger.Leg(AVAILABLE, program.asset, d_wallet, holder),
        ledger.Leg(DEBT, program.asset, d_debt, holder),
        ledger.Leg(PENDING, program.asset, d_pending, holder),
        ledger.Leg(counter, program.asset, -(d_wallet + d_debt + d_pending)),
    ]
    cash = 0
    held = d_wallet + d_pending  # what members hold changes by this (debts are not netted)
    if held:  # both fundings: outstanding_points is the liability finance reads, prefunded or not
        new = await repository.add_outstanding(s, program.id, held)
    if program.funding == "prefunded" and held:
        cash = backing_minor(program, new) - backing_minor(program, new - held)
        backing = ledger.Holder(BACKING_HOLDER, program.id)
        legs += [ledger.Leg("wallet", program.currency, -cash), ledger.Leg(BACKING, program.currency, cash, backing)]
    legs = [leg for leg in legs if leg.amount]
    if not legs:
        return 0
    entry = ledger.Entry(
        org_id=program.org_id,
        mode=program.mode,
        kind=kind,
        reference=reference,
        legs=legs,
        description=description,
        source_id=member.id,
    )
    await ledger.post(s, entry, ctx.part(ledger.AccountIds))
    if cash > 0:
        threshold = to_minor(ctx.settings.balance_low_threshold, program.currency)
        wallet = entry.balance_after("wallet", program.currency)
        await ledger.note_debit(s, ctx.events, program.org_id, program.mode, program.currency, wallet, cash, threshold)
    return cash


def new_tx(
    program: PointsProgram,
    member: PointsMember,
    ptx_id: str,
    type_: str,
    points: int,
    after: tuple[int, int],
    at: datetime,
    **more: Any,
) -> PointsTransaction:
    fields: dict[str, Any] = {
        "status": None,
        "reason": None,
        "reference": None,
        "fingerprint": None,
        "lots": [],
        "reverses": None,
        "reversed_by": None,
        "expires_at": None,
        "available_at": None,
        "cash_minor": 0,
        "delta": 0,
        **more,
    }
    return PointsTransaction(
        id=ptx_id,
        org_id=program.org_id,
        mode=program.mode,
        program_id=program.id,
        member_pk=member.id,
        member_id=member.member_id,
        type=type_,
        points=points,
        balance_after=after[0],
        pending_after=after[1],
        created_at=at,
        **fields,
    )


async def emit(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, event: str, tx: PointsTransaction
) -> dict[str, Any]:
    body = render_tx(tx, program.currency)
    await ctx.events.emit(s, program.org_id, program.mode, event, body, resource_id=tx.member_pk)
    return body


async def _replay(s: AsyncSession, program: PointsProgram, reference: str, fp: str) -> Result | None:
    found = await repository.by_reference(s, program.id, reference)
    if found is None:
        return None
    if found.fingerprint != fp:
        raise ReferenceReused(
            f"Reference {reference!r} was already used in this program by {found.id} ({found.type}) with another "
            "request: use a new reference for a new credit or debit.",
            transaction_id=found.id,
        )
    return Result(found, render_tx(found, program.currency), replayed=True)


def lot_expiry(program: PointsProgram, at: datetime) -> datetime | None:
    """When a credit made at `at` expires under the program's rule: N calendar months later (the day
    clamped to the month's length), or with round_to month_end at the end of that month (00:00 UTC on
    the first of the next)."""
    if program.expiry_months is None:
        return None
    months = at.month - 1 + program.expiry_months
    year, month = at.year + months // 12, months % 12 + 1
    if program.expiry_round_to == "month_end":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return at.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return at.replace(year=year, month=month, day=min(at.day, days[month - 1]))


# --- credit and debit ------------------------------------------------------------------------------


async def credit_in(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    points: int,
    reason: str | None,
    reference: str,
    expires_at: datetime | None = None,
    *,
    ptx_id: str | None = None,
) -> Result:
    """Credit `points` to the member in the caller's transaction: a lot (pending for the program's
    pending_days), its ledger transaction (points_issued -> the member), its jobs (release, expiry,
    notice) and the `points.credited` event. A reference seen before with the same request answers the
    first credit (replayed); with another request, ReferenceReused. `expires_at` (checked by the caller:
    in the future, after the release) overrides the program's rule. Prefunded: InsufficientFunds if the
    wallet does not cover the cash value (the caller's transaction must roll back)."""
    at = now()
    fp = fingerprint("credit", member.member_id, points, reason, expires_at)
    before = await repository.lock_member(s, member.id, at)
    replay = await _replay(s, program, reference, fp)
    if replay is not None:
        return replay
    pending = program.pending_days > 0
    available_at = at + timedelta(days=program.pending_days)
    lot_expires = expires_at or lot_expiry(program, at)
    after = await repository.move(s, member.id, 0 if pending else points, points if pending else 0, points, None, at)
    assert after is not None
    ptx_id = ptx_id or new_id("ptx")
    lot_id = new_id("plt")
    # Points arriving while the member is in debt (a reversal of an allow_negative program) pay it first.
    paid = 0 if pending else min(points, max(-before[0], 0))
    lot = PointsLot(
        id=lot_id,
        program_id=program.id,
        member_pk=member.id,
        credit_id=ptx_id,
        points=points,
        remaining=points - paid,
        status="pending" if pending else "available",
        available_at=available_at,
        expires_at=lot_expires,
        expired_points=0,
        created_at=at,
    )
    cash = await book(
        ctx, s, program, member, ptx_id, "points_credit", before, after, ISSUED, f"Points credit {ptx_id}"
    )
    tx = new_tx(
        program,
        member,
        ptx_id,
        "credit",
        points,
        after,
        at,
        status=lot.status,
        reason=reason,
        reference=reference,
        fingerprint=fp,
        lots=[{"lot_id": lot_id, "points": points}],
        expires_at=lot_expires,
        available_at=available_at,
        cash_minor=cash,
        delta=points,
    )
    await repository.add(s, tx, lot)
    await repository.mark_used(s, program.id)
    expire_key, notice_key, release_key = job_keys(lot_id)
    if lot_expires is not None:
        await jobs.enqueue(s, EXPIRE_JOB, {"lot_id": lot_id}, run_at=lot_expires, unique_key=expire_key)
        if program.expiring_notice_days:
            notice_at = max(at, lot_expires - timedelta(days=program.expiring_notice_days))
            await jobs.enqueue(s, NOTICE_JOB, {"lot_id": lot_id}, run_at=notice_at, unique_key=notice_key)
    if pending:
        await jobs.enqueue(s, RELEASE_JOB, {"lot_id": lot_id}, run_at=available_at, unique_key=release_key)
    body = await emit(ctx, s, program, POINTS_CREDITED, tx)
    await tiers.evaluate_in(ctx, s, program, member, at, "credit")  # tiers follow points earned (#14)
    return Result(tx, body)


async def debit_in(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    points: int,
    reason: str | None,
    reference: str,
    *,
    ptx_id: str | None = None,
) -> Result:
    """Debit `points` from the member's available points in the caller's transaction, from lots soonest
    expiring first. InsufficientPoints (nothing written: the guarded UPDATE changed no row) when the
    member has fewer available points; a reference seen before replays or is ReferenceReused."""
    at = now()
    fp = fingerprint("debit", member.member_id, points, reason, None)
    await repository.lock_member(s, member.id, at)
    replay = await _replay(s, program, reference, fp)
    if replay is not None:
        return replay
    after = await repository.move(s, member.id, -points, 0, 0, 0, at)
    if after is None:
        fresh = await repository.member_by_pk(s, member.id)
        have = fresh.available if fresh else 0
        raise InsufficientPoints(
            f"The member has {have} available points; this debit needs {points}.", available=have, requested=points
        )
    before = (after[0] + points, after[1])
    touched = await consume(s, member.id, points)
    ptx_id = ptx_id or new_id("ptx")
    cash = await book(ctx, s, program, member, ptx_id, "points_debit", before, after, SPENT, f"Points debit {ptx_id}")
    tx = new_tx(
        program,
        member,
        ptx_id,
        "debit",
        points,
        after,
        at,
        reason=reason,
        reference=reference,
        fingerprint=fp,
        lots=touched,
        cash_minor=cash,
        delta=-points,
    )
    await repository.add(s, tx)
    return Result(tx, await emit(ctx, s, program, POINTS_DEBITED, tx))


async def consume(s: AsyncSession, pk: str, points: int, skip: str | None = None) -> list[dict[str, Any]]:
    """Take `points` from the member's available lots, soonest expiring first (up to what they hold);
    returns the lots touched."""
    touched: list[dict[str, Any]] = []
    left = points
    for lot in await repository.spendable_lots(s, pk):
        if left == 0:
            break
        if lot.id == skip:
            continue
        take = min(lot.remaining, left)
        await repository.set_lot(s, lot.id, remaining=lot.remaining - take)
        touched.append({"lot_id": lot.id, "points": take})
        left -= take
    return touched
