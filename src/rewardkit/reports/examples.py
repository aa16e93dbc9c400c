"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST
from rewardkit.reports.categories import CATEGORIES
from rewardkit.reports.columns import BALANCE_SUMMARY, BALANCE_TRANSACTIONS

RUN: dict[str, Any] = {
    "id": "rpt_01m8k2c1x4y7z9a0b3c5d6e8f0",
    "object": "report_run",
    "livemode": False,
    "type": "balance_transactions",
    "status": "succeeded",
    "interval_start": "2026-11-01T04:00:00Z",
    "interval_end": "2026-12-01T05:00:00Z",
    "timezone": "America/New_York",
    "currency": "USD",
    "columns": [c.name for c in BALANCE_TRANSACTIONS],
    "format": "csv",
    "row_count": 1284,
    "size": 402113,
    "sha256": "9f2c0d6b1e4a7c3f5b8d0e2a4c6e8f1a3b5d7f9e1c3a5b7d9f1e3c5a7b9d1f3e",
    "error": None,
    "download_url": "https://rewards.example.com/v1/reports/rpt_01m8k2c1x4y7z9a0b3c5d6e8f0/download",
    "schedule_id": None,
    "created_at": "2026-12-01T09:15:02.114Z",
    "completed_at": "2026-12-01T09:15:02.871Z",
}
SCHEDULE: dict[str, Any] = {
    "id": "rps_01m8k2d7q2w4e6r8t0y1u3i5o7",
    "object": "report_schedule",
    "livemode": False,
    "type": "balance_summary",
    "frequency": "monthly",
    "timezone": "Europe/Paris",
    "currency": None,
    "columns": [c.name for c in BALANCE_SUMMARY],
    "format": "csv",
    "email": "finance@example.com",
    "next_run_at": "2026-12-31T23:00:00Z",
    "last_run_id": None,
    "created_at": "2026-12-01T09:20:00.000Z",
}
STATEMENT: dict[str, Any] = {
    "object": "statement",
    "livemode": False,
    "currency": "USD",
    "month": "2026-11",
    "timezone": "UTC",
    "status": "closed",
    "period_start": "2026-11-01T00:00:00Z",
    "period_end": "2026-12-01T00:00:00Z",
    "opening_balance": 500000,
    "activity": {c: 0 for c in CATEGORIES} | {"funding": 100000, "orders": -42500, "refunds": 2500},
    "closing_balance": 560000,
    "transaction_count": 37,
    "closed_at": "2026-12-01T09:10:11.000Z",
}

RESPONSES: dict[str, Any] = {
    "createReportRun": RUN,
    "getReportRun": RUN,
    "listReportRuns": {**LIST, "data": [RUN]},
    "createReportSchedule": SCHEDULE,
    "getReportSchedule": SCHEDULE,
    "listReportSchedules": {**LIST, "data": [SCHEDULE]},
    "deleteReportSchedule": {**SCHEDULE, "next_run_at": None},
    "getStatement": STATEMENT,
}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own: last November's ledger postings, and a monthly summary emailed to finance.
REQUEST_EXAMPLES: dict[str, Any] = {
    "createReportRun": {
        "type": "balance_transactions",
        "interval_start": "2026-11-01T00:00:00",
        "interval_end": "2026-12-01T00:00:00",
        "timezone": "America/New_York",
        "currency": "USD",
        "format": "csv",
    },
    "createReportSchedule": {
        "type": "balance_summary",
        "frequency": "monthly",
        "timezone": "Europe/Paris",
        "format": "csv",
        "email": "finance@example.com",
    },
}
