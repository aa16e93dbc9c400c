"""All SQL of sms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.sms.models import SmsMessage


async def add(s: AsyncSession, message: SmsMessage) -> None:
    s.add(message)
    await s.flush()


async def get(s: AsyncSession, sms_id: str) -> SmsMessage | None:
    return (await s.execute(select(SmsMessage).where(SmsMessage.id == sms_id))).scalar_one_or_none()


async def get_scoped(s: AsyncSession, org_id: str, mode: str, sms_id: str) -> SmsMessage | None:
    q = select(SmsMessage).where(SmsMessage.id == sms_id, SmsMessage.org_id == org_id, SmsMessage.mode == mode)
    return (await s.execute(q)).scalar_one_or_none()


async def update_queued(s: AsyncSession, sms_id: str, values: dict[str, Any]) -> bool:
    """Change a message that is still queued; False if it is not (sent, failed or canceled meanwhile)."""
    stmt = update(SmsMessage).where(SmsMessage.id == sms_id, SmsMessage.status == "queued").values(**values)
    return int((await s.execute(stmt)).rowcount) == 1  # type: ignore[attr-defined]
