"""The reward links' reads for reports (#16): the links created in an interval, in keyset chunks over
their ids. Service-level, taking the caller's session. No recipient contact details: a report is a
finance file, and those are personal data (and encrypted at rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.links.models import RewardLink


@dataclass(frozen=True)
class LinkRow:
    id: str
    created_at: datetime
    status: str
    currency: str
    value_minor: int
    remaining: int
    expires_at: datetime
    external_id: str | None
    order_ids: list[str]
    opened_at: datetime | None


async def links(
    s: AsyncSession, org_id: str, mode: str, start: datetime, end: datetime, *, after_id: str = "", limit: int = 5000
) -> list[LinkRow]:
    """One chunk of the reward links created in [start, end), by id (ids sort by creation time)."""
    q = (
        select(
            RewardLink.id,
            RewardLink.created_at,
            RewardLink.status,
            RewardLink.currency,
            RewardLink.value_minor,
            RewardLink.remaining,
            RewardLink.expires_at,
            RewardLink.external_id,
            RewardLink.order_ids,
            RewardLink.opened_at,
        )
        .where(
            RewardLink.org_id == org_id,
            RewardLink.mode == mode,
            RewardLink.id > after_id,
            RewardLink.created_at >= start,
            RewardLink.created_at < end,
        )
        .order_by(RewardLink.id)
        .limit(limit)
    )
    return [LinkRow(*cast(tuple[Any, ...], r)) for r in (await s.execute(q)).all()]
