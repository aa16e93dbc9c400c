from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime


class Event(Base):
    """Something that happened, written in the same transaction as the change itself."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_scope", "org_id", "mode", "id"),
        Index("ix_events_type", "org_id", "mode", "type", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Operator-level events (inventory) have no org.
    org_id: Mapped[str | None] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(60))
    # The full object at the time of the event, AES-GCM encrypted: it can hold voucher codes and links.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
