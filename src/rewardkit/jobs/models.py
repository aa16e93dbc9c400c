from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, BigIntPK, UTCDateTime

STATUSES = ("queued", "running", "succeeded", "dead")


class Job(Base):
    """A durable unit of background work, written in the same transaction as the data it acts on."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "status", "run_at"),
        CheckConstraint("status IN ('queued','running','succeeded','dead')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    # Jobs that must exist once only (e.g. "fulfil:ord_…") carry a unique key.
    unique_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=10)
    # The lease: a worker owns a running job until locked_until; after that anyone may take it over.
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
