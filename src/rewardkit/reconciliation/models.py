"""Supplier reconciliation (#16): a supplier's statement as uploaded, each of its lines matched (or
not) against our orders, and the operators' resolutions of the lines that did not match, kept as an
immutable audit trail (docs/reconciliation.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

MATCHED = "matched"
MISSING_HERE = "missing_here"  # on their statement, not in our orders
MISSING_THERE = "missing_there"  # our fulfilled order in the period, not on their statement
AMOUNT_MISMATCH = "amount_mismatch"  # the same reference on both sides, but amount, currency or date differ
STATUSES = (MATCHED, MISSING_HERE, MISSING_THERE, AMOUNT_MISMATCH)
# Why a line is an amount_mismatch (several may hold; listed in this order).
REASONS = ("amount", "currency", "date")

ACTIONS = ("adjust", "accept", "write_off")
DIRECTIONS = ("debit", "credit")  # adjust: debit takes from the org's wallet, credit gives back to it
# The ledger transaction kind of an adjustment: reports (#16 part C) file it under `adjustments`.
ADJUSTMENT_KIND = "adjustment"


class Reconciliation(Base):
    __tablename__ = "reconciliations"
    __table_args__ = (Index("ix_reconciliations_scope", "org_id", "mode", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # rcn_…
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    supplier: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[str] = mapped_column(String(40))
    # The statement's one currency, when all its lines share one (NULL: several).
    currency: Mapped[str | None] = mapped_column(String(3))
    # The period the statement covers: the dates of its first and last lines, or as given in the request.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    date_tolerance_days: Mapped[int] = mapped_column(Integer)
    amount_tolerance_minor: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    lines_total: Mapped[int] = mapped_column(Integer)  # the statement's lines (missing_there not counted)
    matched: Mapped[int] = mapped_column(Integer)
    missing_here: Mapped[int] = mapped_column(Integer)
    missing_there: Mapped[int] = mapped_column(Integer)
    amount_mismatch: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)  # lines resolved so far (bumped with each resolution)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReconciliationLine(Base):
    __tablename__ = "reconciliation_lines"
    __table_args__ = (
        # Lines are read per reconciliation, by status, in id order (cursor pagination).
        Index("ix_reconciliation_lines_status", "reconciliation_id", "status", "id"),
        Index("ix_reconciliation_lines_all", "reconciliation_id", "id"),
        CheckConstraint("status IN ('matched','missing_here','missing_there','amount_mismatch')", name="status"),
        CheckConstraint("resolution IN ('adjust','accept','write_off')", name="resolution"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # rcl_…
    reconciliation_id: Mapped[str] = mapped_column(ForeignKey("reconciliations.id"))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str | None] = mapped_column(String(40))  # amount_mismatch: "amount,currency,date"
    # Their side (NULL for missing_there).
    their_line: Mapped[int | None] = mapped_column(Integer)  # the line number in the file (header = 1)
    their_reference: Mapped[str | None] = mapped_column(String(120))
    their_amount: Mapped[int | None] = mapped_column(BigInteger)  # minor units of their_currency
    their_currency: Mapped[str | None] = mapped_column(String(3))
    their_date: Mapped[date | None] = mapped_column(Date)
    # Our side (NULL for missing_here).
    order_id: Mapped[str | None] = mapped_column(String(40))
    our_reference: Mapped[str | None] = mapped_column(String(120))
    our_amount: Mapped[int | None] = mapped_column(BigInteger)
    our_currency: Mapped[str | None] = mapped_column(String(3))
    our_date: Mapped[date | None] = mapped_column(Date)
    our_status: Mapped[str | None] = mapped_column(String(12))
    # Set once, by the resolution (reconciliation_resolutions holds the audit row).
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReconciliationResolution(Base):
    """Immutable: written once per resolved line, never updated (the audit trail)."""

    __tablename__ = "reconciliation_resolutions"
    __table_args__ = (
        # One resolution per line: a second resolve is refused by the index even when two race.
        UniqueConstraint("line_id", name="uq_reconciliation_resolutions_line"),
        Index("ix_reconciliation_resolutions_rcn", "reconciliation_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # rcr_…
    reconciliation_id: Mapped[str] = mapped_column(ForeignKey("reconciliations.id"))
    line_id: Mapped[str] = mapped_column(ForeignKey("reconciliation_lines.id"))
    action: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str | None] = mapped_column(String(6))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(String(1000))
    principal_id: Mapped[str] = mapped_column(String(40))
    ledger_transaction_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
