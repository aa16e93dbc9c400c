"""Job handlers of reward links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.links import delivery, service

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def expire(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """links.expire, queued at the link's expires_at in the transaction that made it: expire it and give
    what it holds back to the wallet, once (a link claimed or canceled first is left as it is)."""
    return await service.expire(ctx, payload["link_id"])


async def remind(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """links.remind, queued at expires_at − N days for each N of the link's `reminders`."""
    return await delivery.remind(ctx, payload["link_id"], int(payload["days"]))


async def mail_result(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """links.mail_result: mail.send's notify= callback for a link's email."""
    return await delivery.mail_result(ctx, payload)


async def sms_result(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """links.sms_result: sms.send's notify= callback for a link's text message."""
    return await delivery.sms_result(ctx, payload)
