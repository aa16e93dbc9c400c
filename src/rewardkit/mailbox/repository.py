"""All SQL of the mailbox domain: an org's own email templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.mailbox.models import MailTemplate


async def get_template(s: AsyncSession, org_id: str, kind: str) -> MailTemplate | None:
    found: MailTemplate | None = await s.scalar(
        select(MailTemplate).where(MailTemplate.org_id == org_id, MailTemplate.kind == kind)
    )
    return found


async def save_template(
    s: AsyncSession, org_id: str, kind: str, parts: dict[str, str | None], now: datetime
) -> None:
    """Insert or replace the org's templates of one kind: an upsert, so two PUTs at once both succeed
    (the last one wins) instead of one failing on the primary key. created_at stays the first one's."""
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(MailTemplate)
    stmt = ins.values(org_id=org_id, kind=kind, created_at=now, updated_at=now, **parts).on_conflict_do_update(
        index_elements=["org_id", "kind"], set_={**parts, "updated_at": now}
    )
    await s.execute(stmt)


async def delete_template(s: AsyncSession, org_id: str, kind: str) -> None:
    await s.execute(delete(MailTemplate).where(MailTemplate.org_id == org_id, MailTemplate.kind == kind))
