"""Corrections and the passing of time, inside the caller's transaction: a reversal of a credit or a
debit, the release of a pending lot, the expiry of a lot. Same rules as movements.py (lock the member's
row first, then the lots, then one balanced ledger transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import service as jobs
from rewardkit.kit.ids import new_id
from rewardkit.points import movements, repository, tiers
from rewardkit.points.errors import NotReversible, PointsAlreadySpent
from rewardkit.points.models import (
    EXPIRED,
    ISSUED,
    POINTS_EXPIRED,
    POINTS_REVERSED,
    SPENT,
    PointsMember,
    PointsProgram,
    PointsTransaction,
)
from rewardkit.points.movements import Result, book, consume, emit, job_keys, new_tx

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def reverse_in(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, member: PointsMember, original: PointsTransaction
) -> Result:
    """Undo a credit or a debit as a new `reversal` transaction, once (docs/points.md#reversals)."""
    if original.type not in ("credit", "debit"):
        raise NotReversible(f"{original.id} is a {original.type}: only credits and debits can be reversed.")
    at = movements.now()  # through the module: tests move the clock there
    before = await repository.lock_member(s, member.id, at)
    ptx_id = new_id("ptx")
    if not await repository.mark_reversed(s, original.id, ptx_id):
        raise NotReversible(f"{original.id} was already reversed.")
    if original.type == "credit":
        tx = await _reverse_credit(ctx, s, program, member, original, before, ptx_id, at)
    else:
        tx = await _reverse_debit(ctx, s, program, member, original, before, ptx_id, at)
    await repository.add(s, tx)
    body = await emit(ctx, s, program, POINTS_REVERSED, tx)
    if original.type == "credit":  # a reversed credit was never earned: the tier may come down
        await tiers.evaluate_in(ctx, s, program, member, at, "reversal")
    return Result(tx, body)


async def _reverse_credit(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    credit: PointsTransaction,
    before: tuple[int, int],
    ptx_id: str,
    at: datetime,
) -> PointsTransaction:
    """Take back what the credit gave, less what of it has expired (gone already): first from its own
    lot, then from the member's other lots soonest expiring first, and what they do not cover becomes
    a debt if the program allows it, else PointsAlreadySpent."""
    lot = await repository.lot(s, credit.lots[0]["lot_id"])
    assert lot is not None
    take = credit.points - lot.expired_points
    touched: list[dict[str, Any]] = []
    from_pending = 0
    if lot.status == "pending":
        from_pending = take  # a pending lot cannot have been spent: it holds all of it
    own = lot.remaining if lot.status in ("pending", "available") else 0
    if own:
        touched.append({"lot_id": lot.id, "points": own})
    await repository.set_lot(s, lot.id, remaining=0, status="reversed" if lot.status != "expired" else "expired")
    for key in job_keys(lot.id):
        await jobs.stop(s, key, "credit reversed")
    from_available = take - from_pending
    floor = None if program.allow_negative else 0
    after = await repository.move(s, member.id, -from_available, -from_pending, -credit.points, floor, at)
    if after is None:
        raise PointsAlreadySpent(
            f"Reversing {credit.id} takes back {take} points; the member has {before[0]} available and the "
            "program does not allow negative balances (allow_negative).",
            available=before[0],
            requested=take,
        )
    rest = from_available - (own if lot.status == "available" else 0)
    if rest > 0:
        touched += await consume(s, member.id, rest, skip=lot.id)
    cash = await book(
        ctx, s, program, member, ptx_id, "points_reversal", before, after, ISSUED, f"Reversal of {credit.id}"
    )
    return new_tx(
        program,
        member,
        ptx_id,
        "reversal",
        take,
        after,
        at,
        reverses=credit.id,
        lots=touched,
        cash_minor=cash,
        delta=-take,
    )


async def _reverse_debit(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    debit: PointsTransaction,
    before: tuple[int, int],
    ptx_id: str,
    at: datetime,
) -> PointsTransaction:
    """Give the points back to the lots they came from, with those lots' expiry; a lot that has expired
    (or was reversed) since keeps nothing back: those points would have expired. Points coming back to a
    member in debt pay the debt first, from the soonest-expiring share."""
    lots = await repository.lots(s, [x["lot_id"] for x in debit.lots])
    shares = [(lots[x["lot_id"]], int(x["points"])) for x in debit.lots if lots[x["lot_id"]].status == "available"]
    returned = sum(k for _, k in shares)
    debt = max(-before[0], 0)
    touched = []
    for lot, k in shares:
        pay = min(k, debt)
        debt -= pay
        if k - pay:
            await repository.set_lot(s, lot.id, remaining=lot.remaining + k - pay)
        touched.append({"lot_id": lot.id, "points": k})
    after = await repository.move(s, member.id, returned, 0, 0, None, at)
    assert after is not None
    cash = await book(
        ctx, s, program, member, ptx_id, "points_reversal", before, after, SPENT, f"Reversal of {debit.id}"
    )
    return new_tx(
        program,
        member,
        ptx_id,
        "reversal",
        returned,
        after,
        at,
        reverses=debit.id,
        lots=touched,
        cash_minor=cash,
        delta=returned,
    )


# --- release and expiry ------------------------------------------------------------------------


async def release_in(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, member: PointsMember, lot_id: str
) -> PointsTransaction | None:
    """A pending lot becomes available, once (the job at its available_at, or POST …/release): None if it
    was not pending any more. Points released to a member in debt pay the debt first."""
    at = movements.now()  # through the module: tests move the clock there
    before = await repository.lock_member(s, member.id, at)
    left = await repository.release_lot(s, lot_id)
    if left is None:
        return None
    paid = min(left, max(-before[0], 0))
    if paid:
        await repository.set_lot(s, lot_id, remaining=left - paid)
    after = await repository.move(s, member.id, left, -left, 0, None, at)
    assert after is not None
    lot = await repository.lot(s, lot_id)
    assert lot is not None
    await book(
        ctx,
        s,
        program,
        member,
        f"{lot.credit_id}:release",
        "points_release",
        before,
        after,
        ISSUED,
        f"Release of {lot.credit_id}",
    )
    await repository.set_status(s, lot.credit_id, "available")
    await jobs.stop(s, job_keys(lot_id)[2], "released")
    credit = await repository.transaction(s, program.org_id, program.mode, lot.credit_id)
    return credit


async def expire_in(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, member: PointsMember, lot_id: str
) -> Result | None:
    """Expire exactly what is left of the lot, once: an `expiry` transaction (member -> points_expired)
    and `points.expired`; None when nothing was left to expire (spent, reversed, or expired before)."""
    at = movements.now()  # through the module: tests move the clock there
    before = await repository.lock_member(s, member.id, at)
    got = await repository.expire_lot(s, lot_id)
    if got is None:
        return None
    left, status = got
    await jobs.stop(s, job_keys(lot_id)[2], "lot expired")
    if left == 0:
        return None
    from_available, from_pending = (left, 0) if status == "available" else (0, left)
    after = await repository.move(s, member.id, -from_available, -from_pending, 0, None, at)
    assert after is not None
    ptx_id = new_id("ptx")
    cash = await book(
        ctx, s, program, member, ptx_id, "points_expiry", before, after, EXPIRED, f"Expiry of lot {lot_id}"
    )
    tx = new_tx(
        program,
        member,
        ptx_id,
        "expiry",
        left,
        after,
        at,
        lots=[{"lot_id": lot_id, "points": left}],
        cash_minor=cash,
        delta=-left,
    )
    await repository.add(s, tx)
    return Result(tx, await emit(ctx, s, program, POINTS_EXPIRED, tx))
