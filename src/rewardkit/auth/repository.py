from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.models import ApiKey, Org, PrincipalSession


async def get_org(s: AsyncSession, org_id: str) -> Org | None:
    return await s.get(Org, org_id)


async def find_key_by_hashes(s: AsyncSession, hashes: list[str]) -> ApiKey | None:
    return (
        await s.execute(select(ApiKey).where(ApiKey.key_hash.in_(hashes), ApiKey.revoked_at.is_(None)))
    ).scalar_one_or_none()


async def revoke_key(s: AsyncSession, key_id: str, org_id: str | None, when: datetime) -> bool:
    q = update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=when)
    if org_id:
        q = q.where(ApiKey.org_id == org_id)
    res = await s.execute(q)
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def get_key(s: AsyncSession, key_id: str) -> ApiKey | None:
    return await s.get(ApiKey, key_id)


async def list_keys(s: AsyncSession, org_id: str) -> list[ApiKey]:
    return list((await s.execute(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id))).scalars())


async def list_orgs(s: AsyncSession) -> list[Org]:
    return list((await s.execute(select(Org).order_by(Org.id))).scalars())


async def find_session_by_hashes(s: AsyncSession, hashes: list[str]) -> PrincipalSession | None:
    return (
        await s.execute(
            select(PrincipalSession).where(
                PrincipalSession.token_hash.in_(hashes), PrincipalSession.revoked_at.is_(None)
            )
        )
    ).scalar_one_or_none()


async def revoke_session(s: AsyncSession, session_id: str, when: datetime) -> bool:
    q = (
        update(PrincipalSession)
        .where(PrincipalSession.id == session_id, PrincipalSession.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    res = await s.execute(q)
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def get_session(s: AsyncSession, session_id: str) -> PrincipalSession | None:
    return await s.get(PrincipalSession, session_id)
