"""Job handlers of reward links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.links import service

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def expire(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """links.expire, queued at the link's expires_at in the transaction that made it: expire it and give
    what it holds back to the wallet, once (a link claimed or canceled first is left as it is)."""
    return await service.expire(ctx, payload["link_id"])
