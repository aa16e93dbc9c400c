"""The reward points' reads for reports (#16): the points transactions booked in an interval, in keyset
chunks over their ids, with their program's asset and currency. Service-level, taking the caller's
session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.points.models import PointsProgram, PointsTransaction


@dataclass(frozen=True)
class PointsRow:
    id: str
    created_at: datetime
    program_id: str
    member_id: str
    member_pk: str
    type: str
    points: int
    delta: int
    balance_after: int
    pending_after: int
    status: str | None
    reference: str | None
    reverses: str | None
    cash_minor: int
    currency: str
    asset: str


async def transactions(
    s: AsyncSession, org_id: str, mode: str, start: datetime, end: datetime, *, after_id: str = "", limit: int = 5000
) -> list[PointsRow]:
    """One chunk of the points transactions created in [start, end), by id (ids sort by creation time)."""
    t = PointsTransaction
    q = (
        select(
            t.id,
            t.created_at,
            t.program_id,
            t.member_id,
            t.member_pk,
            t.type,
            t.points,
            t.delta,
            t.balance_after,
            t.pending_after,
            t.status,
            t.reference,
            t.reverses,
            t.cash_minor,
            PointsProgram.currency,
            PointsProgram.asset,
        )
        .join(PointsProgram, PointsProgram.id == t.program_id)
        .where(t.org_id == org_id, t.mode == mode, t.id > after_id, t.created_at >= start, t.created_at < end)
        .order_by(t.id)
        .limit(limit)
    )
    return [PointsRow(*cast(tuple[Any, ...], r)) for r in (await s.execute(q)).all()]
