"""Accounts, immutable transactions and their postings. Only rewardkit.ledger writes these tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

# Account kinds. `wallet` is the customer's prepaid money and may never go negative; the others are
# the counterparties that make every transaction balance.
WALLET = "wallet"  # the org's prepaid balance, per mode and currency
PENDING = "pending"  # held for orders that are being fulfilled
FUNDING = "funding"  # money that came in from outside (top-ups); goes negative as it funds wallets
FX = "fx"  # the conversion desk: takes one currency, gives another
FULFILLMENT = "fulfillment"  # what fulfilled orders cost: owed to / paid to suppliers
NON_NEGATIVE = {WALLET, PENDING}

# The events the ledger emits: a top-up, and a wallet crossing the low-balance threshold.
BALANCE_FUNDED = "balance.funded"
BALANCE_LOW = "balance.low"
EVENT_TYPES = (BALANCE_FUNDED, BALANCE_LOW)


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "kind", "currency", name="uq_ledger_account"),
        # The database itself refuses a negative wallet, whatever the code above it does.
        CheckConstraint("allow_negative OR balance >= 0", name="non_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    # A cache of sum(postings.amount), updated in the same transaction as the postings.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    allow_negative: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Transaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (Index("ix_ledger_tx_org", "org_id", "mode", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(24))  # funding | order_debit | order_settle | refund | ...
    # Unique: the same business event can never be booked twice.
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    source_id: Mapped[str | None] = mapped_column(String(40))  # the order or top-up this books
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed minor units: + credit, - debit
    balance_after: Mapped[int] = mapped_column(BigInteger)  # the account's balance right after
