"""Every query of the storefront domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.storefront.models import (
    Storefront,
    StorefrontJti,
    StorefrontSession,
    StorefrontSessionLink,
    StorefrontSsoSecret,
)


async def add(s: AsyncSession, *rows: Any) -> None:
    for row in rows:
        s.add(row)
    await s.flush()


async def store_of(s: AsyncSession, org_id: str, mode: str) -> Storefront | None:
    stmt = select(Storefront).where(Storefront.org_id == org_id, Storefront.mode == mode)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def store_by_slug(s: AsyncSession, slug: str) -> Storefront | None:
    stmt = select(Storefront).where(Storefront.slug == slug)
    return (await s.execute(stmt)).scalar_one_or_none()


async def store_by_id(s: AsyncSession, store_id: str) -> Storefront | None:
    return (await s.execute(select(Storefront).where(Storefront.id == store_id))).scalar_one_or_none()


async def slug_taken(s: AsyncSession, slug: str, other_than: str | None) -> bool:
    stmt = select(Storefront.id).where(Storefront.slug == slug)
    if other_than is not None:
        stmt = stmt.where(Storefront.id != other_than)
    return (await s.execute(stmt)).first() is not None


async def update_store(s: AsyncSession, store_id: str, values: dict[str, Any]) -> None:
    stmt = update(Storefront).where(Storefront.id == store_id).values(**values)
    await s.execute(stmt.execution_options(synchronize_session=False))


# --- SSO secrets -------------------------------------------------------------------------------------


async def secrets_of(s: AsyncSession, store_id: str, *, active_only: bool) -> list[StorefrontSsoSecret]:
    stmt = select(StorefrontSsoSecret).where(StorefrontSsoSecret.storefront_id == store_id)
    if active_only:
        stmt = stmt.where(StorefrontSsoSecret.retired_at.is_(None))
    return list((await s.execute(stmt.order_by(StorefrontSsoSecret.id))).scalars())


async def count_active_secrets(s: AsyncSession, store_id: str) -> int:
    stmt = select(func.count()).where(
        StorefrontSsoSecret.storefront_id == store_id, StorefrontSsoSecret.retired_at.is_(None)
    )
    return int((await s.execute(stmt)).scalar_one())


async def retire_secret(s: AsyncSession, store_id: str, secret_id: str, now: datetime) -> bool:
    stmt = (
        update(StorefrontSsoSecret)
        .where(
            StorefrontSsoSecret.id == secret_id,
            StorefrontSsoSecret.storefront_id == store_id,
            StorefrontSsoSecret.retired_at.is_(None),
        )
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await s.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def secret_of(s: AsyncSession, store_id: str, secret_id: str) -> StorefrontSsoSecret | None:
    stmt = select(StorefrontSsoSecret).where(
        StorefrontSsoSecret.id == secret_id, StorefrontSsoSecret.storefront_id == store_id
    )
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


# --- session links, JWT ids ----------------------------------------------------------------------------


async def link_by_hashes(s: AsyncSession, hashes: list[str]) -> StorefrontSessionLink | None:
    stmt = select(StorefrontSessionLink).where(StorefrontSessionLink.token_hash.in_(hashes))
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def link_usable(s: AsyncSession, link_id: str, now: datetime) -> bool:
    """Whether use_link would succeed now, without using it (a HEAD)."""
    stmt = select(StorefrontSessionLink.id).where(
        StorefrontSessionLink.id == link_id,
        StorefrontSessionLink.used_at.is_(None),
        StorefrontSessionLink.expires_at > now,
    )
    return (await s.execute(stmt)).first() is not None


async def use_link(s: AsyncSession, link_id: str, now: datetime) -> bool:
    """Mark the link used if it is still unused and unexpired: the guarded UPDATE is what makes it single
    use when two requests race (only one sees a row changed)."""
    stmt = (
        update(StorefrontSessionLink)
        .where(
            StorefrontSessionLink.id == link_id,
            StorefrontSessionLink.used_at.is_(None),
            StorefrontSessionLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await s.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def jti_seen(s: AsyncSession, store_id: str, jti: str) -> bool:
    stmt = select(StorefrontJti.id).where(StorefrontJti.storefront_id == store_id, StorefrontJti.jti == jti)
    return (await s.execute(stmt)).first() is not None


# --- member sessions -------------------------------------------------------------------------------------


async def member_session(s: AsyncSession, session_id: str) -> StorefrontSession | None:
    stmt = select(StorefrontSession).where(StorefrontSession.id == session_id)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def touch_session(s: AsyncSession, session_id: str, now: datetime) -> None:
    stmt = update(StorefrontSession).where(StorefrontSession.id == session_id).values(last_seen_at=now)
    await s.execute(stmt.execution_options(synchronize_session=False))


async def end_session(s: AsyncSession, session_id: str, now: datetime) -> None:
    stmt = (
        update(StorefrontSession)
        .where(StorefrontSession.id == session_id, StorefrontSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await s.execute(stmt)
