"""The one render of each reports resource."""

from __future__ import annotations

from typing import Any

from rewardkit.reports.models import ReportRun, ReportSchedule
from rewardkit.reports.schemas import ReportOut, ScheduleOut


def download_path(run_id: str) -> str:
    return f"/v1/reports/{run_id}/download"


def render_run(run: ReportRun, public_url: str = "") -> dict[str, Any]:
    body = {
        "id": run.id,
        "livemode": run.mode == "live",
        "type": run.type,
        "status": run.status,
        "interval_start": run.interval_start,
        "interval_end": run.interval_end,
        "timezone": run.timezone,
        "currency": run.currency,
        "columns": run.columns,
        "format": run.format,
        "row_count": run.row_count,
        "size": run.byte_count,
        "sha256": run.sha256,
        "error": run.error,
        "download_url": f"{public_url.rstrip('/')}{download_path(run.id)}" if run.status == "succeeded" else None,
        "schedule_id": run.schedule_id,
        "created_at": run.created_at,
        "completed_at": run.completed_at,
    }
    return ReportOut.model_validate(body).model_dump(mode="json")


def render_schedule(sch: ReportSchedule) -> dict[str, Any]:
    body = {
        "id": sch.id,
        "livemode": sch.mode == "live",
        "type": sch.type,
        "frequency": sch.frequency,
        "timezone": sch.timezone,
        "currency": sch.currency,
        "columns": sch.columns,
        "format": sch.format,
        "email": sch.email,
        "next_run_at": sch.next_run_at,
        "last_run_id": sch.last_run_id,
        "created_at": sch.created_at,
    }
    return ScheduleOut.model_validate(body).model_dump(mode="json")
