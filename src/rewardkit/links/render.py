"""A link as the API shows it to its org (RewardLinkOut) and as its recipient sees it (LinkClaimOut).
Both go through their models, so a field the code adds without its model fails at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.kit.money import money
from rewardkit.links.models import RewardLink, RewardLinkTransition
from rewardkit.links.schemas import LinkClaimOut, RewardLinkOut

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def url(ctx: Runtime, link: RewardLink) -> str:
    return f"{ctx.settings.public_url.rstrip('/')}/l/{ctx.keyring.decrypt(link.token)}"


def render(ctx: Runtime, link: RewardLink, steps: list[RewardLinkTransition]) -> dict[str, Any]:
    choice = link.choice
    body = {
        "id": link.id,
        "livemode": link.mode == "live",
        "status": link.status,
        "url": url(ctx, link),
        "currency": link.currency,
        "value": money(link.value_minor, link.currency),
        "remaining": money(link.remaining, link.currency),
        "choice": None if choice is None else {k: choice.get(k) for k in ("products", "categories", "brands")},
        "recipient": {
            "email": ctx.keyring.decrypt(link.recipient_email) if link.recipient_email else None,
            "name": link.recipient_name,
            "phone": ctx.keyring.decrypt(link.recipient_phone) if link.recipient_phone else None,
            "country": link.recipient_country,
        },
        "delivery": link.delivery,
        "message": link.message,
        "sender_name": link.sender_name,
        "expires_at": link.expires_at,
        "allow_split": link.allow_split,
        "reminders": list(link.reminders),
        "external_id": link.external_id,
        "metadata": dict(link.metadata_),
        "orders": list(link.order_ids),
        "verification": link.verification,
        "timeline": [
            {"status": t.to_status, "from_status": t.from_status, "reason": t.reason, "at": t.created_at} for t in steps
        ],
        "created_at": link.created_at,
        "updated_at": link.updated_at,
    }
    return RewardLinkOut.model_validate(body).model_dump(mode="json")


def render_claim(link: RewardLink, choices: list[dict[str, Any]], *, hidden: bool = False) -> dict[str, Any]:
    """`hidden`: an email_otp link not verified yet shows no choices (verification_required)."""
    body = {
        "livemode": link.mode == "live",
        "status": link.status,
        "currency": link.currency,
        "value": money(link.value_minor, link.currency),
        "remaining": money(link.remaining, link.currency),
        "message": link.message,
        "sender_name": link.sender_name,
        "expires_at": link.expires_at,
        "allow_split": link.allow_split,
        "choices": [] if hidden else choices,
        "verification": link.verification,
        "verification_required": hidden,
    }
    return LinkClaimOut.model_validate(body).model_dump(mode="json")
