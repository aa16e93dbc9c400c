from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

CODE_STATUSES = ("available", "used")

# Operator-level (no org): a product's stock of bulk codes fell below its threshold.
INVENTORY_LOW_STOCK = "inventory.low_stock"
EVENT_TYPES = (INVENTORY_LOW_STOCK,)


class InventoryCode(Base):
    """One prepaid code bought in bulk and uploaded by the operator (the `inventory` supplier).

    The code and pin are AES-GCM encrypted (kit.crypto); `code_hash` (HMAC) makes a code importable
    only once. `order_id` is unique: a code serves at most one order, and an order gets at most one code.
    """

    __tablename__ = "inventory_codes"
    __table_args__ = (
        Index("ix_inventory_codes_pick", "product_id", "amount", "status", "id"),
        CheckConstraint("status IN ('available','used')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of `currency`
    code: Mapped[str] = mapped_column(Text)  # encrypted
    pin: Mapped[str | None] = mapped_column(Text)  # encrypted
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
