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
REWARD_LINK_DELIVERED = "reward_link.delivered"
REWARD_LINK_DELIVERY_FAILED = "reward_link.delivery_failed"
REWARD_LINK_EXPIRING = "reward_link.expiring"
EVENT_TYPES = (
    REWARD_LINK_CREATED,
    REWARD_LINK_OPENED,
    REWARD_LINK_CLAIMED,
    REWARD_LINK_EXPIRED,
    REWARD_LINK_CANCELED,
    REWARD_LINK_DELIVERED,
    REWARD_LINK_DELIVERY_FAILED,
    REWARD_LINK_EXPIRING,
)

# Delivery (links/delivery.py): the reminder job, and the job kinds the mail and sms domains queue
# when a message they sent for a link is final (their `notify=` callbacks).
REMIND_JOB = "links.remind"
MAIL_RESULT_JOB = "links.mail_result"
SMS_RESULT_JOB = "links.sms_result"
CHANNELS = ("email", "sms")
DELIVERY_KINDS = ("link", "reminder", "resend")
DELIVERY_STATUSES = ("queued", "sent", "delivered", "failed", "bounced")


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


class LinkDelivery(Base):
    """One message sent for a link (its first delivery, a reminder, a resend) on one channel, and what
    became of it. The destination is a keyring ciphertext (Module.sealed) with its HMAC, so a bounce
    reported by address finds the row; `destination_masked` is what the API shows."""

    __tablename__ = "link_deliveries"
    __table_args__ = (
        Index("ix_link_deliveries_link", "link_id", "id"),
        Index("ix_link_deliveries_message", "message_id"),
        Index("ix_link_deliveries_destination", "org_id", "mode", "destination_hash"),
        CheckConstraint("channel IN ('email','sms')", name="channel"),
        CheckConstraint("kind IN ('link','reminder','resend')", name="kind"),
        CheckConstraint("status IN ('queued','sent','delivered','failed','bounced')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("reward_links.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(5))
    destination: Mapped[str] = mapped_column(Text)
    destination_hash: Mapped[str] = mapped_column(String(64))
    destination_masked: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(300))
    # What the row tracks: the email's Message-ID (a bounce names it) and its mail.send job, or the sms id.
    message_id: Mapped[str | None] = mapped_column(String(250))
    mail_job_id: Mapped[int | None] = mapped_column(BigInteger)
    sms_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
