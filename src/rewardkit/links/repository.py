"""All SQL of reward links. Status and remaining change only through guarded UPDATEs, so two writers
(two redeems, a redeem and a cancel, a cancel and the expiry job) can never both apply a change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from rewardkit.links.models import OPEN, RewardLink, RewardLinkTransition


async def add(s: AsyncSession, link: RewardLink, step: RewardLinkTransition) -> None:
    s.add(link)
    await s.flush()
    s.add(step)
    await s.flush()


async def get(s: AsyncSession, org_id: str, mode: str, link_id: str) -> RewardLink | None:
    # Scoped by org and mode: another org's id (or a live id with a test key) is simply not found.
    stmt = select(RewardLink).where(RewardLink.id == link_id, RewardLink.org_id == org_id, RewardLink.mode == mode)
    return (await s.execute(stmt)).scalar_one_or_none()


async def get_by_id(s: AsyncSession, link_id: str) -> RewardLink | None:
    """For the expiry job, which knows only the id it was queued with."""
    return (await s.execute(select(RewardLink).where(RewardLink.id == link_id))).scalar_one_or_none()


async def lock(s: AsyncSession, link_id: str) -> RewardLink | None:
    """The link as it is now, its row locked to the end of the transaction (PostgreSQL; SQLite has one
    writer): what a redeem decides from cannot change under it."""
    stmt = select(RewardLink).where(RewardLink.id == link_id).with_for_update()
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def by_token_hashes(s: AsyncSession, hashes: list[str]) -> RewardLink | None:
    # An indexed equality lookup of HMACs: the token itself is never compared in Python.
    return (await s.execute(select(RewardLink).where(RewardLink.token_hash.in_(hashes)))).scalar_one_or_none()


async def search(
    s: AsyncSession,
    org_id: str,
    mode: str,
    *,
    status: str | None,
    external_id: str | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    before: str | None,
    limit: int,
) -> list[RewardLink]:
    q = select(RewardLink).where(RewardLink.org_id == org_id, RewardLink.mode == mode)
    if status is not None:
        q = q.where(RewardLink.status == status)
    if external_id is not None:
        q = q.where(RewardLink.external_id == external_id)
    if created_gte is not None:
        q = q.where(RewardLink.created_at >= created_gte)
    if created_lte is not None:
        q = q.where(RewardLink.created_at <= created_lte)
    if before is not None:
        q = q.where(RewardLink.id < before)
    q = q.order_by(RewardLink.id.desc()).limit(limit + 1)
    return list((await s.execute(q)).scalars())


async def timeline(s: AsyncSession, link_id: str) -> list[RewardLinkTransition]:
    q = select(RewardLinkTransition).where(RewardLinkTransition.link_id == link_id)
    return list((await s.execute(q.order_by(RewardLinkTransition.id))).scalars())


async def timelines(s: AsyncSession, link_ids: Sequence[str]) -> dict[str, list[RewardLinkTransition]]:
    out: dict[str, list[RewardLinkTransition]] = defaultdict(list)
    if not link_ids:
        return out
    q = select(RewardLinkTransition).where(RewardLinkTransition.link_id.in_(list(link_ids)))
    for row in (await s.execute(q.order_by(RewardLinkTransition.id))).scalars():
        out[row.link_id].append(row)
    return out


async def record(s: AsyncSession, step: RewardLinkTransition) -> None:
    s.add(step)
    await s.flush()


async def close(s: AsyncSession, link_id: str, to_status: str, now: datetime) -> int | None:
    """Move an open link to `to_status` (expired | canceled) and empty it; returns what it still held,
    or None if it was not open any more (claimed, expired or canceled by someone else first)."""
    moved = (
        await s.execute(
            update(RewardLink)
            .where(RewardLink.id == link_id, RewardLink.status.in_(OPEN))
            .values(status=to_status, updated_at=now)
            .returning(RewardLink.remaining)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if moved is None:
        return None
    # The row is ours until the commit (the UPDATE above locked it): empty it in the same transaction.
    await s.execute(
        update(RewardLink)
        .where(RewardLink.id == link_id)
        .values(remaining=0)
        .execution_options(synchronize_session=False)
    )
    return int(moved.remaining)


async def take(s: AsyncSession, link_id: str, amount: int, single: bool, now: datetime) -> RewardLink | None:
    """Take `amount` from an open link's remaining, in one guarded UPDATE: None when it no longer holds
    that much (or is no longer open), so concurrent redeems never take more than the value. A link
    left with nothing (or a single-reward link) becomes `claimed`, else `partially_claimed`."""
    new_remaining = RewardLink.remaining - amount
    stmt = (
        update(RewardLink)
        .where(RewardLink.id == link_id, RewardLink.status.in_(OPEN), RewardLink.remaining >= amount)
        .values(
            remaining=new_remaining,
            status="claimed" if single else case((new_remaining == 0, "claimed"), else_="partially_claimed"),
            updated_at=now,
        )
        .returning(RewardLink.id)
        .execution_options(synchronize_session=False)
    )
    if (await s.execute(stmt)).one_or_none() is None:
        return None
    return (
        await s.execute(select(RewardLink).where(RewardLink.id == link_id).execution_options(populate_existing=True))
    ).scalar_one()


async def add_order(s: AsyncSession, link: RewardLink, order_id: str) -> None:
    """The link's row is locked by take() in this transaction: read-modify-write is safe."""
    await s.execute(
        update(RewardLink)
        .where(RewardLink.id == link.id)
        .values(order_ids=[*link.order_ids, order_id])
        .execution_options(synchronize_session=False)
    )
    set_committed_value(link, "order_ids", [*link.order_ids, order_id])  # written above: not dirty


async def mark_opened(s: AsyncSession, link_id: str, now: datetime) -> bool:
    """The first look by the recipient: created/delivered -> opened, once."""
    stmt = (
        update(RewardLink)
        .where(RewardLink.id == link_id, RewardLink.status.in_(("created", "delivered")))
        .values(status="opened", opened_at=now, updated_at=now)
        .returning(RewardLink.id)
        .execution_options(synchronize_session=False)
    )
    return (await s.execute(stmt)).one_or_none() is not None
