"""Routes of reports (API keys): report runs, their files, schedules, monthly statements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.reports import schedules, service, statements
from rewardkit.reports.schemas import (
    ReportCreate,
    ReportList,
    ReportOut,
    ScheduleCreate,
    ScheduleList,
    ScheduleOut,
    StatementOut,
)
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1", tags=["Reports"], route_class=StrictJSONRoute)

Ident = Annotated[Principal, Depends(require_api_key)]
Ctx = Annotated[Runtime, Depends(get_runtime)]
RunId = Annotated[str, Path(max_length=40, description="The report run's id (rpt_…)")]
ScheduleId = Annotated[str, Path(max_length=40, description="The schedule's id (rps_…)")]
_BAD_RUN = (
    "validation_error, invalid_interval, interval_too_long, interval_beyond_data, unknown_timezone, "
    "unknown_column, report_type_unavailable, unknown_currency"
)
_BAD_SCHEDULE = "validation_error, unknown_timezone, unknown_column, report_type_unavailable, unknown_currency"
_RUN_404: dict[int | str, dict[str, Any]] = {404: {"description": "report_not_found"}}


@router.post(
    "/reports",
    operation_id="createReportRun",
    response_class=JSONResponse,
    response_model=ReportOut,
    response_description="The run: succeeded (or failed) when small enough to build at once, else pending",
    responses={422: {"description": _BAD_RUN}},
)
async def create_report_run(request: Request, body: ReportCreate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Run a report over [interval_start, interval_end) in `timezone`, from the ledger's postings."""
    return respond(request, await service.create(ctx, ident, body), "report_run")


@router.get(
    "/reports",
    operation_id="listReportRuns",
    response_class=JSONResponse,
    response_model=ReportList,
    response_description="A page of report runs, newest first",
)
async def list_report_runs(
    request: Request, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await service.list_runs(ctx, ident, cursor, limit), "list")


@router.get(
    "/reports/{run_id}",
    operation_id="getReportRun",
    response_class=JSONResponse,
    response_model=ReportOut,
    response_description="The report run",
    responses=_RUN_404,
)
async def get_report_run(request: Request, run_id: RunId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get(ctx, ident, run_id), "report_run")


# A file, not a JSON resource: its 200 declares the two media types it answers (every run's
# `download_url` points here; docs/reports.md#download).
_FILE_HEADERS: dict[str, Any] = {
    "Content-Disposition": {
        "description": "attachment; filename=\"<type>_<start>_<end>_<run id>.<csv|jsonl>\"",
        "schema": {"type": "string"},
    },
    "Digest": {"description": "sha-256=<the run's sha256, hex>", "schema": {"type": "string"}},
}


@router.get(
    "/reports/{run_id}/download",
    operation_id="downloadReportRun",
    response_class=StreamingResponse,
    response_description="The run's file: CSV (a header row, then a row per line) or JSON Lines",
    responses={
        200: {
            "headers": _FILE_HEADERS,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "id,created_at,type,amount,currency\n"
                    "ltx_01m8k2c1x4y7z9a0b3c5d6e8f0,2026-11-02T14:03:11Z,order,-5000,USD\n",
                },
                "application/x-ndjson": {
                    "schema": {"type": "string"},
                    "example": '{"id": "ltx_01m8k2c1x4y7z9a0b3c5d6e8f0", "amount": -5000, "currency": "USD"}\n',
                },
            },
        },
        **_RUN_404,
        409: {"description": "report_not_ready (the run is pending or failed)"},
    },
)
async def download_report_run(run_id: RunId, ident: Ident, ctx: Ctx) -> StreamingResponse:
    """The succeeded run's file, streamed: CSV or JSON Lines, as published."""
    found = await service.download(ctx, ident.org_id, ident.mode, run_id)
    headers = {
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Content-Length": str(found.size),
        "Digest": f"sha-256={found.sha256}",
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(found.body, media_type=found.media_type, headers=headers)


# --- schedules ----------------------------------------------------------------------------------


@router.post(
    "/report_schedules",
    operation_id="createReportSchedule",
    response_class=JSONResponse,
    response_model=ScheduleOut,
    response_description="The schedule, with its first run time",
    responses={422: {"description": _BAD_SCHEDULE}},
)
async def create_report_schedule(request: Request, body: ScheduleCreate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Run a report every day (the previous day) or month (the previous month), in `timezone`."""
    return respond(request, await schedules.create(ctx, ident, body), "report_schedule")


@router.get(
    "/report_schedules",
    operation_id="listReportSchedules",
    response_class=JSONResponse,
    response_model=ScheduleList,
    response_description="A page of schedules, newest first",
)
async def list_report_schedules(
    request: Request, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await schedules.list_schedules(ctx, ident, cursor, limit), "list")


@router.get(
    "/report_schedules/{schedule_id}",
    operation_id="getReportSchedule",
    response_class=JSONResponse,
    response_model=ScheduleOut,
    response_description="The schedule",
    responses={404: {"description": "report_schedule_not_found"}},
)
async def get_report_schedule(request: Request, schedule_id: ScheduleId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await schedules.get(ctx, ident, schedule_id), "report_schedule")


@router.delete(
    "/report_schedules/{schedule_id}",
    operation_id="deleteReportSchedule",
    response_class=JSONResponse,
    response_model=ScheduleOut,
    response_description="The schedule, no longer due (next_run_at null)",
    responses={404: {"description": "report_schedule_not_found"}},
)
async def delete_report_schedule(request: Request, schedule_id: ScheduleId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await schedules.delete(ctx, ident, schedule_id), "report_schedule")


# --- statements ---------------------------------------------------------------------------------


@router.get(
    "/statements",
    operation_id="getStatement",
    response_class=JSONResponse,
    response_model=StatementOut,
    response_description="The wallet's month: closed (never changes again) or open (live)",
    responses={422: {"description": "validation_error, invalid_month, unknown_timezone"}},
)
async def get_statement(
    request: Request,
    ident: Ident,
    ctx: Ctx,
    currency: Annotated[str, Query(pattern="^[A-Za-z]{3}$", description="The wallet's currency")],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    timezone: Annotated[str, Query(min_length=1, max_length=64, description="IANA; months begin here")] = "UTC",
) -> JSONResponse:
    """One wallet's monthly statement: opening, activity per category, closing, tied to the ledger."""
    body = await statements.statement(ctx, ident, currency.upper(), month, timezone)
    return respond(request, body, "statement")
