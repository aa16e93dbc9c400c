"""Request and response bodies of reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StrictInt

from rewardkit.kit.responses import ListObject, ResponseModel
from rewardkit.kit.schemas import RequestModel

ReportType = Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"]
Format = Literal["csv", "jsonl"]
Frequency = Literal["daily", "monthly"]
Bound = Annotated[
    StrictInt | Annotated[str, Field(min_length=1, max_length=40)],
    Field(description="ISO 8601 date or datetime (a date or a naive datetime is read in `timezone`), or Unix seconds"),
]
Timezone = Annotated[str, Field(min_length=1, max_length=64, description="An IANA time zone (default UTC)")]
Currency = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_]{3,24}$", description="Only this asset (ISO 4217 code or a points unit)")
]
ColumnNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=60)]],
    Field(min_length=1, max_length=60, description="The columns, in this order (default: all of the type's)"),
]


class ReportCreate(RequestModel):
    type: ReportType
    interval_start: Bound = Field(description="Inclusive")
    interval_end: Bound = Field(description="Exclusive; at most now, at most 366 days after interval_start")
    timezone: Timezone = "UTC"
    currency: Currency | None = None
    columns: ColumnNames | None = None
    format: Format = "csv"


class ReportOut(ResponseModel):
    id: str
    object: Literal["report_run"] = "report_run"
    livemode: bool
    type: ReportType
    status: Literal["pending", "succeeded", "failed"]
    interval_start: datetime
    interval_end: datetime
    timezone: str
    currency: str | None
    columns: list[str]
    format: Format
    row_count: int | None = Field(description="Rows in the file (header excluded), once succeeded")
    size: int | None = Field(description="Bytes of the file, once succeeded")
    sha256: str | None = Field(description="SHA-256 of the file, hex, once succeeded")
    error: dict[str, Any] | None = Field(description="The problem (problem+json) that failed the run")
    download_url: str | None = Field(description="GET it with your API key, once succeeded")
    schedule_id: str | None
    created_at: datetime
    completed_at: datetime | None


class ReportList(ListObject):
    data: list[ReportOut]


class ScheduleCreate(RequestModel):
    type: ReportType
    frequency: Frequency = Field(description="daily: the previous day; monthly: the previous month, in `timezone`")
    timezone: Timezone = "UTC"
    currency: Currency | None = None
    columns: ColumnNames | None = None
    format: Format = "csv"
    email: EmailStr | None = Field(default=None, description="Also email the download link here")


class ScheduleOut(ResponseModel):
    id: str
    object: Literal["report_schedule"] = "report_schedule"
    livemode: bool
    type: ReportType
    frequency: Frequency
    timezone: str
    currency: str | None
    columns: list[str]
    format: Format
    email: str | None
    next_run_at: datetime | None
    last_run_id: str | None
    created_at: datetime


class ScheduleList(ListObject):
    data: list[ScheduleOut]


class StatementOut(ResponseModel):
    object: Literal["statement"] = "statement"
    livemode: bool
    currency: str
    month: str
    timezone: str
    status: Literal["open", "closed"] = Field(description="closed: the month is over and its figures never change")
    period_start: datetime
    period_end: datetime
    opening_balance: int = Field(description="Minor units, at period_start")
    activity: dict[str, int] = Field(description="Minor units per category (docs/reports.md#categories)")
    closing_balance: int = Field(description="Minor units, at period_end (open: now)")
    transaction_count: int
    closed_at: datetime | None
