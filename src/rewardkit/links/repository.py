"""All SQL of reward links. Status and remaining change only through guarded UPDATEs, so two writers
(two redeems, a redeem and a cancel, a cancel and the expiry job) can never both apply a change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from rewardkit.links.models import OPEN, LinkDelivery, RewardLink, RewardLinkTransition


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


async def mark_delivered(s: AsyncSession, link_id: str, now: datetime) -> bool:
    """The first message that reached the recipient's server or provider: created -> delivered, once."""
    stmt = (
        update(RewardLink)
        .where(RewardLink.id == link_id, RewardLink.status == "created")
        .values(status="delivered", updated_at=now)
        .returning(RewardLink.id)
        .execution_options(synchronize_session=False)
    )
    return (await s.execute(stmt)).one_or_none() is not None


# --- deliveries (links/delivery.py) -------------------------------------------------------------------


async def add_delivery(s: AsyncSession, delivery: LinkDelivery) -> None:
    s.add(delivery)
    await s.flush()


async def get_delivery(s: AsyncSession, delivery_id: str) -> LinkDelivery | None:
    stmt = select(LinkDelivery).where(LinkDelivery.id == delivery_id).execution_options(populate_existing=True)
    return (await s.execute(stmt)).scalar_one_or_none()


async def deliveries(s: AsyncSession, link_id: str, before: str | None, limit: int) -> list[LinkDelivery]:
    q = select(LinkDelivery).where(LinkDelivery.link_id == link_id)
    if before is not None:
        q = q.where(LinkDelivery.id < before)
    return list((await s.execute(q.order_by(LinkDelivery.id.desc()).limit(limit + 1))).scalars())


async def update_delivery(
    s: AsyncSession, delivery_id: str, statuses: Sequence[str], values: dict[str, object]
) -> bool:
    """A guarded UPDATE: only from one of `statuses`, so an outcome is recorded once (a second run of a
    result job, or a bounce and the send's result arriving in either order, change nothing twice)."""
    stmt = (
        update(LinkDelivery)
        .where(LinkDelivery.id == delivery_id, LinkDelivery.status.in_(list(statuses)))
        .values(**values)
        .returning(LinkDelivery.id)
        .execution_options(synchronize_session=False)
    )
    return (await s.execute(stmt)).one_or_none() is not None


async def delivery_by_message(
    s: AsyncSession, org_id: str, mode: str, message_ids: Sequence[str]
) -> LinkDelivery | None:
    q = select(LinkDelivery).where(
        LinkDelivery.message_id.in_(list(message_ids)), LinkDelivery.org_id == org_id, LinkDelivery.mode == mode
    )
    return (await s.execute(q.order_by(LinkDelivery.id.desc()).limit(1))).scalar_one_or_none()


async def delivery_by_destination(
    s: AsyncSession, org_id: str, mode: str, hashes: Sequence[str]
) -> LinkDelivery | None:
    """The most recent email to this address (its HMAC under every key), of this org and mode."""
    q = select(LinkDelivery).where(
        LinkDelivery.org_id == org_id,
        LinkDelivery.mode == mode,
        LinkDelivery.channel == "email",
        LinkDelivery.destination_hash.in_(list(hashes)),
    )
    return (await s.execute(q.order_by(LinkDelivery.id.desc()).limit(1))).scalar_one_or_none()


async def resends_since(s: AsyncSession, link_id: str, since: datetime) -> tuple[int, datetime | None]:
    """How many resends of the link were made since `since`, and when the oldest of them was."""
    q = select(func.count(), func.min(LinkDelivery.created_at)).where(
        LinkDelivery.link_id == link_id, LinkDelivery.kind == "resend", LinkDelivery.created_at >= since
    )
    count, oldest = (await s.execute(q)).one()
    return int(count), oldest


def transition(link_id: str, frm: str | None, to: str, reason: str, at: datetime) -> RewardLinkTransition:
    """One step of a link's timeline (record() writes it)."""
    return RewardLinkTransition(link_id=link_id, from_status=frm, to_status=to, reason=reason, created_at=at)


async def step(s: AsyncSession, link_id: str, frm: str | None, to: str, reason: str, at: datetime) -> None:
    """Record one step of a link's timeline."""
    await record(s, transition(link_id, frm, to, reason, at))
