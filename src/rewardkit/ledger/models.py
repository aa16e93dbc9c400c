"""Accounts, immutable transactions and their postings. Only rewardkit.ledger writes these tables."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

# Account kinds. `wallet` is the customer's prepaid money and may never go negative; the others are
# the counterparties that make every transaction balance.
WALLET = "wallet"  # the org's prepaid balance, per mode and currency
PENDING = "pending"  # held for orders that are being fulfilled
FUNDING = "funding"  # money that came in from outside (top-ups); goes negative as it funds wallets
FX = "fx"  # the conversion desk: takes one currency, gives another
FULFILLMENT = "fulfillment"  # what fulfilled orders cost: owed to / paid to suppliers
RESERVED = "reserved"  # held by a reward link for its recipient (holder RESERVATION)
NON_NEGATIVE = {WALLET, PENDING, RESERVED}

# The events the ledger emits: a top-up, and a wallet crossing the low-balance threshold.
BALANCE_FUNDED = "balance.funded"
BALANCE_LOW = "balance.low"
EVENT_TYPES = (BALANCE_FUNDED, BALANCE_LOW)
# The last successful `rewardkit ledger verify` is remembered under this name (jobs.service.record_success).
LEDGER_VERIFIED = "ledger.verify"

# Who holds an account inside its organisation (docs/ledger.md#addresses). The org's own accounts have
# holder_id = org_id, so the unique address needs no NULL handling.
ORG = "org"  # the organisation itself: wallets and their counterparts
RESERVATION = "reward_link"  # a reward link's reservation (holder_id: the reservation's id)
POINTS_MEMBER = "points_member"  # a member of an org's points programme (holder_id: the member's id)
BUDGET = "budget"  # a campaign budget (holder_id: the budget's id)
POINTS_PROGRAM = "points_program"  # a prefunded points programme's backing account (holder_id: the programme's id)
HOLDER_TYPES = frozenset({ORG, RESERVATION, POINTS_MEMBER, BUDGET, POINTS_PROGRAM})

ASSET_LENGTH = 24  # ISO 4217 codes (3 letters) and org-defined units (4 to 24 characters)


class Holder(NamedTuple):
    type: str
    id: str


class Address(NamedTuple):
    """What identifies an account: unique in ledger_accounts (uq_ledger_account)."""

    org_id: str
    mode: str
    holder_type: str
    holder_id: str
    kind: str
    asset: str


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "holder_type", "holder_id", "kind", "asset", name="uq_ledger_account"),
        # The database itself refuses a negative wallet, whatever the code above it does.
        CheckConstraint("allow_negative OR balance >= 0", name="non_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    holder_type: Mapped[str] = mapped_column(String(16))  # one of HOLDER_TYPES
    holder_id: Mapped[str] = mapped_column(String(40))  # org_id for the org's own accounts
    kind: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(ASSET_LENGTH))  # an ISO 4217 code or an org's ledger_assets code
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
    asset: Mapped[str] = mapped_column(String(ASSET_LENGTH))  # always its account's asset
    amount: Mapped[int] = mapped_column(BigInteger)  # signed minor units of the asset: + credit, - debit
    balance_after: Mapped[int] = mapped_column(BigInteger)  # the account's balance right after


class Asset(Base):
    """A unit an organisation defines for itself (points, miles, ...). ISO 4217 currencies are not
    rows: they are implicit, with their minor units from kit/money.py."""

    __tablename__ = "ledger_assets"
    __table_args__ = (CheckConstraint("precision >= 0 AND precision <= 18", name="precision"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(ASSET_LENGTH), primary_key=True)
    precision: Mapped[int] = mapped_column(Integer)  # digits after the point: amounts are in 10**-precision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
