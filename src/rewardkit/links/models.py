"""Reward links: a link's row (its value held in a ledger reservation), its timeline, its job kinds
and event types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

STATUSES = ("created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled")
# A link in one of these still holds money and can be claimed, canceled or expire.
OPEN = ("created", "delivered", "opened", "partially_claimed")
TERMINAL = frozenset({"claimed", "expired", "canceled"})
DELIVERIES = ("email", "sms", "none")
VERIFICATIONS = ("none", "email_otp")
CHOICE_KINDS = ("products", "categories", "brands")

# The ledger account a link's value is held in: holder ("reward_link", link id), kind RESERVED.
RESERVED = "reserved"
HOLDER = "reward_link"  # ledger.models.RESERVATION (only the ledger imports its models)

EXPIRE_JOB = "links.expire"

REWARD_LINK_CREATED = "reward_link.created"
REWARD_LINK_OPENED = "reward_link.opened"
REWARD_LINK_CLAIMED = "reward_link.claimed"
REWARD_LINK_EXPIRED = "reward_link.expired"
REWARD_LINK_CANCELED = "reward_link.canceled"
EVENT_TYPES = (REWARD_LINK_CREATED, REWARD_LINK_OPENED, REWARD_LINK_CLAIMED, REWARD_LINK_EXPIRED, REWARD_LINK_CANCELED)


class RewardLink(Base):
    __tablename__ = "reward_links"
    __table_args__ = (
        Index("ix_reward_links_scope", "org_id", "mode", "id"),
        Index("ix_reward_links_external", "org_id", "mode", "external_id"),
        CheckConstraint(
            "status IN ('created','delivered','opened','partially_claimed','claimed','expired','canceled')",
            name="status",
        ),
        # The money still held for the link: never below zero, never above its value.
        CheckConstraint("remaining >= 0 AND remaining <= value_minor", name="remaining"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    value_minor: Mapped[int] = mapped_column(BigInteger)
    # Kept in the same transaction as the ledger postings that move the reservation (guarded UPDATE).
    remaining: Mapped[int] = mapped_column(BigInteger)
    choice: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"products": [...]} | categories | brands
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    # PII, AES-GCM encrypted with the keyring (Module.sealed).
    recipient_email: Mapped[str | None] = mapped_column(Text)
    recipient_phone: Mapped[str | None] = mapped_column(Text)
    recipient_country: Mapped[str | None] = mapped_column(String(2))
    message: Mapped[str | None] = mapped_column(String(1000))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    allow_split: Mapped[bool] = mapped_column(Boolean)
    reminders: Mapped[list[int]] = mapped_column(JSON)
    external_id: Mapped[str | None] = mapped_column(String(120))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    delivery: Mapped[str] = mapped_column(String(5))
    # The URL's token: looked up by HMAC, kept encrypted so every GET can show the URL again.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(Text)
    order_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "email_otp": the choices and the claim wait for a one-time code sent to recipient_email (verification.py).
    verification: Mapped[str] = mapped_column(String(10), default="none", server_default="none")


class RewardLinkTransition(Base):
    """The link's timeline: every status change with when and why."""

    __tablename__ = "reward_link_transitions"
    __table_args__ = (Index("ix_reward_link_transitions_link", "link_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("reward_links.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkVerification(Base):
    """One one-time code sent for a link: only its HMAC is kept (keyed by the link's id), with the wrong
    attempts it took. The newest row of a link is its current code (links/verification.py)."""

    __tablename__ = "link_verifications"
    __table_args__ = (Index("ix_link_verifications_link", "link_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("reward_links.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
