from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime


class Event(Base):
    """Something that happened, written in the same transaction as the change itself."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_scope", "org_id", "mode", "id"),
        Index("ix_events_type", "org_id", "mode", "type", "id"),
        # The database, not only the counter, guarantees one event per (resource, sequence number); a
        # resource id is only unique within an org and mode (`bal_USD` is every org's USD balance).
        UniqueConstraint("org_id", "mode", "resource_id", "sequence", name="uq_events_resource_sequence"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Operator-level events (inventory) have no org.
    org_id: Mapped[str | None] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(60))
    # The full object at the time of the event, AES-GCM encrypted: it can hold voucher codes and links.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The object the event is about (ord_…, whe_…, bal_USD) and its place among its events: 1, 2, 3…
    # in the order the changes committed. NULL for events written before sequences existed (0009) and
    # for operator-level events about no single object.
    resource_id: Mapped[str | None] = mapped_column(String(40))
    sequence: Mapped[int | None] = mapped_column(BigInteger)


class EventSequence(Base):
    """The last sequence number given to a resource's events: one row per resource, so two transactions
    emitting for the same order queue on this row while other orders' events never wait for it."""

    __tablename__ = "event_sequences"

    # "<org id>:<mode>" (":<mode>" for operator events): resource ids are unique within it.
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
