from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

STATUSES = ("pending", "processing", "fulfilled", "failed", "refunded", "canceled")
TERMINAL = frozenset({"fulfilled", "refunded", "failed", "canceled"})

# The job that fulfils an order, and the events an order emits: order.created, then the event of the
# status it moved to on every move (EVENT_OF_STATUS).
FULFIL_JOB = "orders.fulfil"
ORDER_CREATED = "order.created"
EVENT_OF_STATUS = {
    "processing": "order.processing",
    "fulfilled": "order.fulfilled",
    "failed": "order.failed",
    "refunded": "order.refunded",
    "canceled": "order.canceled",
}
EVENT_TYPES = (ORDER_CREATED, *EVENT_OF_STATUS.values())
# An order event's sequence number is its status's step in the lifecycle (TRANSITIONS below is acyclic
# and every move is a guarded update that commits once), so it rises along every path with no counter:
# created 1, processing 2, fulfilled | failed | canceled 3, refunded 4 (a pending order canceled goes
# 1, 3). tests/orders/test_event_ranks.py checks each transition climbs.
EVENT_RANKS = {
    ORDER_CREATED: 1,
    "order.processing": 2,
    "order.fulfilled": 3,
    "order.failed": 3,
    "order.canceled": 3,
    "order.refunded": 4,
}


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_scope", "org_id", "mode", "id"),
        Index("ix_orders_external", "org_id", "mode", "external_id"),
        CheckConstraint("status IN ('pending','processing','fulfilled','failed','refunded','canceled')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(12))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    currency: Mapped[str] = mapped_column(String(3))
    face_amount: Mapped[int] = mapped_column(BigInteger)  # product currency, minor units
    charge_currency: Mapped[str] = mapped_column(String(3))
    charge_amount: Mapped[int] = mapped_column(BigInteger)  # what the wallet paid, minor units
    fx_rate: Mapped[str | None] = mapped_column(String(40))  # decimal string, markup included
    fx_markup_bps: Mapped[int | None] = mapped_column()
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(120))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    supplier: Mapped[str | None] = mapped_column(String(40))
    supplier_ref: Mapped[str | None] = mapped_column(String(120))
    # Voucher secrets, AES-GCM encrypted with a key id prefix (kit.crypto).
    voucher_code: Mapped[str | None] = mapped_column(Text)
    voucher_pin: Mapped[str | None] = mapped_column(Text)
    voucher_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The hosted page's token: looked up by HMAC, kept encrypted to show the URL again.
    voucher_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    voucher_token: Mapped[str | None] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(String(60))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# The only arrows an order may move along (docs/orders.md). Enforced by guarded UPDATEs.
TRANSITIONS: dict[str, set[str]] = {
    "pending": {"processing", "canceled"},
    # canceled: only where the order's supplier can cancel a purchase in flight (the sandbox; docs/api.md)
    "processing": {"fulfilled", "failed", "canceled"},
    "failed": {"refunded"},
}


class OrderTransition(Base):
    """The order's timeline: every status change with when and why."""

    __tablename__ = "order_transitions"
    __table_args__ = (Index("ix_order_transitions_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
