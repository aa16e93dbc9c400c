"""Report runs (and the published file, as compressed chunks), report schedules and closed monthly
statement periods. The job kinds and event types of the domain are spelled here once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

TYPES = ("balance_summary", "balance_transactions", "orders", "reward_links", "points")
FORMATS = ("csv", "jsonl")
STATUSES = ("pending", "succeeded", "failed")
FREQUENCIES = ("daily", "monthly")

RUN_JOB = "reports.run"  # build one pending run
SCHEDULE_JOB = "reports.schedule"  # run one schedule's due period, queue its next

REPORT_SUCCEEDED = "report.succeeded"
REPORT_FAILED = "report.failed"
EVENT_TYPES = (REPORT_SUCCEEDED, REPORT_FAILED)


class ReportRun(Base):
    __tablename__ = "report_runs"
    __table_args__ = (
        Index("ix_report_runs_scope", "org_id", "mode", "id"),
        CheckConstraint("status IN ('pending','succeeded','failed')", name="status"),
        CheckConstraint("format IN ('csv','jsonl')", name="format"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())  # inclusive, UTC
    interval_end: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive, UTC
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(24))
    columns: Mapped[list[str]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    byte_count: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the published file: downloads identical forever
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    schedule_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportChunk(Base):
    """The published file of a succeeded run, in zlib-compressed pieces of a few thousand rows each:
    written while the rows stream from the database, read back one at a time on download."""

    __tablename__ = "report_chunks"

    run_id: Mapped[str] = mapped_column(ForeignKey("report_runs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReportSchedule(Base):
    __tablename__ = "report_schedules"
    __table_args__ = (
        Index("ix_report_schedules_scope", "org_id", "mode", "id"),
        Index("ix_report_schedules_due", "next_run_at"),
        CheckConstraint("frequency IN ('daily','monthly')", name="frequency"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(24))
    columns: Mapped[list[str]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(320))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # NULL once deleted
    last_run_id: Mapped[str | None] = mapped_column(String(40))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatementPeriod(Base):
    """A closed month of one wallet: written once, the first time it is asked for after the month
    ended, and served from this row forever after."""

    __tablename__ = "statement_periods"
    __table_args__ = (UniqueConstraint("org_id", "mode", "currency", "month", "timezone", name="uq_statement_period"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(24))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    timezone: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    opening_balance: Mapped[int] = mapped_column(BigInteger)
    activity: Mapped[dict[str, int]] = mapped_column(JSON)  # category -> minor units
    closing_balance: Mapped[int] = mapped_column(BigInteger)
    transaction_count: Mapped[int] = mapped_column(BigInteger)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
