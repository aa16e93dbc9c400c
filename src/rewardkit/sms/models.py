from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

# The job that sends one message (retried on temporary failures), spelled once.
SEND_JOB = "sms.send"
STATUSES = ("queued", "sent", "failed", "canceled")
FINAL = ("sent", "failed", "canceled")


class SmsMessage(Base):
    """One text message to one number: queued in the caller's transaction, sent by the `sms.send` job.

    The number and the body are keyring ciphertexts (the body may carry a bearer link); `to_masked` is
    what may be shown. The body is dropped once the message is final: nothing needs it any more."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_scope", "org_id", "mode", "id"),
        CheckConstraint("status IN ('queued','sent','failed','canceled')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    # The caller's name for what this message is about (e.g. a reward link's delivery id).
    reference: Mapped[str] = mapped_column(String(120), default="")
    to_masked: Mapped[str] = mapped_column(String(20))
    to_sealed: Mapped[str] = mapped_column(Text)
    body_sealed: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str | None] = mapped_column(String(20))  # console, twilio, sandbox
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(40))
    provider_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(String(300))
    # A job kind queued (payload {"sms_id", "reference", "status", "error_code"}) when the message is final.
    notify: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
