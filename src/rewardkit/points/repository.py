"""All SQL of reward points. Balances change only through guarded UPDATEs in the transaction of their
ledger postings: a debit takes points only WHERE available >= points, so concurrent debits never take
more than the member has, on either database (PostgreSQL: the UPDATE waits for the row; SQLite: one
writer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.orders.models import Order
from rewardkit.points.models import PointsLot, PointsMember, PointsProgram, PointsTransaction


async def add(s: AsyncSession, *rows: Any) -> None:
    for row in rows:
        s.add(row)
        await s.flush()


async def program(s: AsyncSession, org_id: str, mode: str, program_id: str) -> PointsProgram | None:
    # Scoped by org and mode: another org's id (or a live id with a test key) is simply not found.
    stmt = select(PointsProgram).where(
        PointsProgram.id == program_id, PointsProgram.org_id == org_id, PointsProgram.mode == mode
    )
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def program_by_id(s: AsyncSession, program_id: str) -> PointsProgram | None:
    stmt = select(PointsProgram).where(PointsProgram.id == program_id)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def programs(s: AsyncSession, org_id: str, mode: str, before: str | None, limit: int) -> list[PointsProgram]:
    q = select(PointsProgram).where(PointsProgram.org_id == org_id, PointsProgram.mode == mode)
    if before is not None:
        q = q.where(PointsProgram.id < before)
    return list((await s.execute(q.order_by(PointsProgram.id.desc()).limit(limit + 1))).scalars())


async def members(s: AsyncSession, program_id: str, before: str | None, limit: int) -> list[PointsMember]:
    """A program's members, newest first (pmb_ ids sort by creation), one more than a page."""
    q = select(PointsMember).where(PointsMember.program_id == program_id)
    if before is not None:
        q = q.where(PointsMember.id < before)
    return list((await s.execute(q.order_by(PointsMember.id.desc()).limit(limit + 1))).scalars())


async def update_program(s: AsyncSession, program_id: str, values: dict[str, Any], unused_only: bool) -> bool:
    """unused_only: only while no points exist (the first credit sets `used` in its own transaction)."""
    stmt = update(PointsProgram).where(PointsProgram.id == program_id)
    if unused_only:
        stmt = stmt.where(PointsProgram.used.is_(False))
    stmt = stmt.values(**values).returning(PointsProgram.id).execution_options(synchronize_session=False)
    return (await s.execute(stmt)).one_or_none() is not None


async def mark_used(s: AsyncSession, program_id: str) -> None:
    await s.execute(
        update(PointsProgram)
        .where(PointsProgram.id == program_id, PointsProgram.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )


async def add_outstanding(s: AsyncSession, program_id: str, delta: int) -> int:
    """Move the program's outstanding points by delta; returns the new value. The UPDATE locks the row to
    the commit, so the backing computed from it (service._cash) is that of a serial order."""
    stmt = (
        update(PointsProgram)
        .where(PointsProgram.id == program_id)
        .values(outstanding=PointsProgram.outstanding + delta)
        .returning(PointsProgram.outstanding)
        .execution_options(synchronize_session=False)
    )
    return int((await s.execute(stmt)).scalar_one())


async def member(s: AsyncSession, program_id: str, member_id: str) -> PointsMember | None:
    stmt = select(PointsMember).where(PointsMember.program_id == program_id, PointsMember.member_id == member_id)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def member_by_pk(s: AsyncSession, pk: str) -> PointsMember | None:
    stmt = select(PointsMember).where(PointsMember.id == pk)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def update_member(s: AsyncSession, pk: str, values: dict[str, Any]) -> None:
    await s.execute(
        update(PointsMember).where(PointsMember.id == pk).values(**values).execution_options(synchronize_session=False)
    )


async def move(
    s: AsyncSession, pk: str, available: int, pending: int, earned: int, floor: int | None, now: datetime
) -> tuple[int, int] | None:
    """Change the member's balances in one guarded UPDATE: None when `available + available_delta` would
    fall below `floor` (None: no floor, a reversal of an allow_negative program). Locks the member's row
    to the commit: every movement of one member queues here, before it reads the member's lots."""
    stmt = update(PointsMember).where(PointsMember.id == pk)
    if floor is not None:
        stmt = stmt.where(PointsMember.available + available >= floor)
    if pending < 0:
        stmt = stmt.where(PointsMember.pending + pending >= 0)
    stmt = (
        stmt.values(
            available=PointsMember.available + available,
            pending=PointsMember.pending + pending,
            lifetime_earned=PointsMember.lifetime_earned + earned,
            updated_at=now,
        )
        .returning(PointsMember.available, PointsMember.pending)
        .execution_options(synchronize_session=False)
    )
    row = (await s.execute(stmt)).one_or_none()
    return None if row is None else (int(row.available), int(row.pending))


async def lock_member(s: AsyncSession, pk: str, now: datetime) -> tuple[int, int]:
    """Lock the member's row (a no-op UPDATE, so SQLite and PostgreSQL both queue on it) and read its
    balances: what a reversal or an expiry decides from cannot change under it."""
    got = await move(s, pk, 0, 0, 0, None, now)
    assert got is not None
    return got


async def spendable_lots(s: AsyncSession, pk: str) -> list[PointsLot]:
    """The member's available lots with points left, in the order debits consume them: soonest expiring
    first, lots without expiry last, then oldest first. Read after the member row is locked (move)."""
    q = (
        select(PointsLot)
        .where(PointsLot.member_pk == pk, PointsLot.status == "available", PointsLot.remaining > 0)
        .order_by(PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id)
        .execution_options(populate_existing=True)
    )
    return list((await s.execute(q)).scalars())


async def expiring_lots(s: AsyncSession, pk: str) -> list[PointsLot]:
    q = (
        select(PointsLot)
        .where(
            PointsLot.member_pk == pk,
            PointsLot.status.in_(("pending", "available")),
            PointsLot.remaining > 0,
            PointsLot.expires_at.is_not(None),
        )
        .order_by(PointsLot.expires_at, PointsLot.id)
    )
    return list((await s.execute(q)).scalars())


async def lot(s: AsyncSession, lot_id: str) -> PointsLot | None:
    q = select(PointsLot).where(PointsLot.id == lot_id).execution_options(populate_existing=True)
    return (await s.execute(q)).scalar_one_or_none()


async def lots(s: AsyncSession, lot_ids: Sequence[str]) -> dict[str, PointsLot]:
    if not lot_ids:
        return {}
    q = select(PointsLot).where(PointsLot.id.in_(list(lot_ids))).execution_options(populate_existing=True)
    return {x.id: x for x in (await s.execute(q)).scalars()}


async def set_lot(s: AsyncSession, lot_id: str, **values: Any) -> None:
    await s.execute(
        update(PointsLot).where(PointsLot.id == lot_id).values(**values).execution_options(synchronize_session=False)
    )


async def release_lot(s: AsyncSession, lot_id: str) -> int | None:
    """pending -> available, once: the lot's points left, or None if it was no longer pending."""
    stmt = (
        update(PointsLot)
        .where(PointsLot.id == lot_id, PointsLot.status == "pending")
        .values(status="available")
        .returning(PointsLot.remaining)
        .execution_options(synchronize_session=False)
    )
    row = (await s.execute(stmt)).one_or_none()
    return None if row is None else int(row.remaining)


async def expire_lot(s: AsyncSession, lot_id: str) -> tuple[int, str] | None:
    """Expire what is left of a lot, once: (points left, status before), or None if it had expired or
    been reversed already. The member row is locked first (lock_member), so no debit takes from it now."""
    found = await lot(s, lot_id)
    if found is None or found.status not in ("pending", "available"):
        return None
    left, before = found.remaining, found.status
    stmt = (
        update(PointsLot)
        .where(PointsLot.id == lot_id, PointsLot.status == before)
        .values(status="expired", remaining=0, expired_points=PointsLot.expired_points + left)
        .returning(PointsLot.id)
        .execution_options(synchronize_session=False)
    )
    if (await s.execute(stmt)).one_or_none() is None:
        return None
    return left, before


async def transaction(s: AsyncSession, org_id: str, mode: str, ptx_id: str) -> PointsTransaction | None:
    q = select(PointsTransaction).where(
        PointsTransaction.id == ptx_id, PointsTransaction.org_id == org_id, PointsTransaction.mode == mode
    )
    return (await s.execute(q.execution_options(populate_existing=True))).scalar_one_or_none()


async def by_reference(s: AsyncSession, program_id: str, reference: str) -> PointsTransaction | None:
    q = select(PointsTransaction).where(
        PointsTransaction.program_id == program_id, PointsTransaction.reference == reference
    )
    return (await s.execute(q)).scalar_one_or_none()


async def mark_reversed(s: AsyncSession, ptx_id: str, by: str) -> bool:
    """Once: a transaction reversed by two requests at once is reversed by one of them."""
    stmt = (
        update(PointsTransaction)
        .where(PointsTransaction.id == ptx_id, PointsTransaction.reversed_by.is_(None))
        .values(reversed_by=by)
        .returning(PointsTransaction.id)
        .execution_options(synchronize_session=False)
    )
    return (await s.execute(stmt)).one_or_none() is not None


async def set_status(s: AsyncSession, ptx_id: str, status: str) -> None:
    await s.execute(
        update(PointsTransaction)
        .where(PointsTransaction.id == ptx_id)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


async def transactions(s: AsyncSession, pk: str, before: str | None, limit: int) -> list[PointsTransaction]:
    q = select(PointsTransaction).where(PointsTransaction.member_pk == pk)
    if before is not None:
        q = q.where(PointsTransaction.id < before)
    return list((await s.execute(q.order_by(PointsTransaction.id.desc()).limit(limit + 1))).scalars())


async def programs_of(s: AsyncSession, org_id: str | None, limit: int) -> list[PointsProgram]:
    """For the CLI: every program (of an org), newest first."""
    q = select(PointsProgram)
    if org_id is not None:
        q = q.where(PointsProgram.org_id == org_id)
    return list((await s.execute(q.order_by(PointsProgram.id.desc()).limit(limit))).scalars())


# --- #14 redemptions and batch credits (redemptions.py, batch.py) -----------------------------------


async def order_metadata(s: AsyncSession, order_id: str) -> dict[str, str] | None:
    """An order's metadata, read by the redemption subscriber on an order's refund or cancellation: a
    redemption's order names its points debit there (points_transaction)."""
    q = select(Order.metadata_).where(Order.id == order_id)
    got: dict[str, str] | None = (await s.execute(q)).scalar_one_or_none()
    return got


async def members_of(s: AsyncSession, program_id: str, member_ids: Sequence[str]) -> dict[str, PointsMember]:
    """The program's members among `member_ids`, by member id: one query for a batch's items."""
    if not member_ids:
        return {}
    q = select(PointsMember).where(PointsMember.program_id == program_id, PointsMember.member_id.in_(member_ids))
    return {m.member_id: m for m in (await s.execute(q)).scalars()}


async def references_of(s: AsyncSession, program_id: str, references: Sequence[str]) -> dict[str, PointsTransaction]:
    """The program's transactions among `references`, by reference: one query for a batch's items."""
    if not references:
        return {}
    q = select(PointsTransaction).where(
        PointsTransaction.program_id == program_id, PointsTransaction.reference.in_(references)
    )
    return {t.reference or "": t for t in (await s.execute(q)).scalars()}
