"""Corrections and the passing of time, inside the caller's transaction: a reversal of a credit or a
debit, the release of a pending lot, the expiry of a lot. Same rules as movements.py (lock the member's
row first, then the lots, then one balanced ledger transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import service as jobs
from rewardkit.kit.ids import new_id
from rewardkit.ledger import service as ledger
from rewardkit.points import movements, repository, tiers
from rewardkit.points.errors import NotReversible, PointsAlreadySpent, RedemptionNotReversible
from rewardkit.points.models import (
    EXPIRED,
    ISSUED,
    POINTS_EXPIRED,
    POINTS_REVERSED,
    SPENT,
    PointsLot,
    PointsMember,
    PointsProgram,
    PointsTransaction,
)
from rewardkit.points.movements import Result, book, consume, emit, job_keys, new_tx

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def reverse_in(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    original: PointsTransaction,
    *,
    order_returned: bool = False,
) -> Result | None:
    """Undo a credit or a debit as a new `reversal` transaction, once (docs/points.md#reversals). A
    redemption's debit is reversed only by its order's refund or cancelation (`order_returned`, from
    redemptions.give_back): reversed by hand, the member would keep the voucher and get the points back.
    None only for such a return when all of the debit's points had expired meanwhile (see _reverse_debit)."""
    if original.type not in ("credit", "debit"):
        raise NotReversible(f"{original.id} is a {original.type}: only credits and debits can be reversed.")
    if is_redemption(original) and not order_returned:
        order_id = (original.reference or "").removeprefix(REDEMPTION_PREFIX)
        raise RedemptionNotReversible(
            f"{original.id} paid for order {order_id}: refund or cancel the order instead (POST "
            f"/v1/orders/{order_id}/cancel, or its refund) and the points come back then."
        )
    at = movements.now()  # through the module: tests move the clock there
    before = await repository.lock_member(s, member.id, at)
    ptx_id = new_id("ptx")
    if not await repository.mark_reversed(s, original.id, ptx_id):
        raise NotReversible(f"{original.id} was already reversed.")
    if original.type == "credit":
        tx = await _reverse_credit(ctx, s, program, member, original, before, ptx_id, at)
    else:
        got = await _reverse_debit(ctx, s, program, member, original, before, ptx_id, at, order_returned)
        if got is None:  # every point of it had expired since: booked as expired, nothing to show
            return None
        tx = got
    await repository.add(s, tx)
    body = await emit(ctx, s, program, POINTS_REVERSED, tx)
    if original.type == "credit":  # a reversed credit was never earned: the tier may come down
        await tiers.evaluate_in(ctx, s, program, member, at, "reversal")
    return Result(tx, body)


REDEMPTION_PREFIX = "redemption:"  # a redemption's debit's reference: redemption:{order_id}


def is_redemption(tx: PointsTransaction) -> bool:
    return tx.type == "debit" and (tx.reference or "").startswith(REDEMPTION_PREFIX)


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
    order_returned: bool,
) -> PointsTransaction | None:
    """Give the points back to the lots they came from, with those lots' expiry; a lot that has expired
    (or was reversed) since keeps nothing back: those points would have expired. They are booked from
    points_spent to points_expired (and counted in the lot's expired_points), so the ledger says what
    happened to them. Points coming back to a member in debt pay the debt first, from the
    soonest-expiring share. Nothing comes back at all: a reversal by hand is refused (NotReversible,
    nothing written); an order's return books the expiry, marks the debit returned (reversed_by names
    that ledger transaction) and answers None: never a 0-point transaction or event."""
    lots = await repository.lots(s, [x["lot_id"] for x in debit.lots])
    shares: list[tuple[PointsLot, int]] = []
    gone: list[tuple[PointsLot, int]] = []
    for x in debit.lots:
        lot, k = lots[x["lot_id"]], int(x["points"])
        (shares if lot.status == "available" else gone).append((lot, k))
    returned = sum(k for _, k in shares)
    if returned == 0 and not order_returned:
        raise NotReversible(
            f"{debit.id}'s points all came from lots that have expired or were reversed since: none can come back."
        )
    lost = [(lot, k) for lot, k in gone if lot.status == "expired"]  # a reversed lot's points were taken back
    if lost:
        await _spent_to_expired(ctx, s, program, member, debit, lost, f"{ptx_id}:expired")
    if returned == 0:
        return None
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


async def _spent_to_expired(
    ctx: Runtime,
    s: AsyncSession,
    program: PointsProgram,
    member: PointsMember,
    debit: PointsTransaction,
    lost: list[tuple[PointsLot, int]],
    reference: str,
) -> None:
    """Points of a returned debit whose lots expired meanwhile: they came back and expired at once, so
    they move from points_spent to points_expired (the member's balances do not change)."""
    points = sum(k for _, k in lost)
    for lot, k in lost:
        await repository.set_lot(s, lot.id, expired_points=lot.expired_points + k)
    entry = ledger.Entry(
        org_id=program.org_id,
        mode=program.mode,
        kind="points_expiry",
        reference=reference,
        legs=[ledger.Leg(SPENT, program.asset, -points), ledger.Leg(EXPIRED, program.asset, points)],
        description=f"Points of {debit.id} returned after their lots expired",
        source_id=member.id,
    )
    await ledger.post(s, entry, ctx.part(ledger.AccountIds))


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
