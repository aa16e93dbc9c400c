"""Report runs: validate, record, build (within the request when small, else by the `reports.run`
job), tie out, publish, download. Each build step opens its own unit of work: reads in bounded
chunks, each chunk's compressed bytes written in a short write transaction, so that a large export
neither holds memory nor blocks other writers (docs/reports.md#runs)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import is_currency
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.reports import columns as cols
from rewardkit.reports import repository
from rewardkit.reports.builders import BUILDERS, Spec, TieOutError
from rewardkit.reports.errors import (
    ReportNotFound,
    ReportNotReady,
    ReportTieOutFailed,
    ReportTypeUnavailable,
    UnknownCurrency,
)
from rewardkit.reports.files import Encoder, pack, unpack
from rewardkit.reports.models import REPORT_FAILED, REPORT_SUCCEEDED, RUN_JOB, ReportRun
from rewardkit.reports.render import render_run
from rewardkit.reports.schemas import ReportCreate
from rewardkit.reports.timeframe import interval, zone

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# A run whose rows pass settings.reports_inline_rows is left to the job (the request answers
# `pending`); the job waits this long first, so that it never races the request's own attempt.
JOB_DELAY = timedelta(minutes=5)


class _TooBig(Exception):
    pass


@dataclass(frozen=True)
class RunRequest:
    """A validated run, from the API, the CLI or a schedule."""

    type: str
    start: datetime
    end: datetime
    timezone: str
    currency: str | None
    columns: list[str]
    format: str
    schedule_id: str | None = None


def validate(ctx: Runtime, req: ReportCreate, now: datetime | None = None) -> RunRequest:
    tz = zone(req.timezone)
    start, end = interval(req.interval_start, req.interval_end, tz, now or utcnow())
    currency = run_currency(req.currency)
    return RunRequest(
        type=req.type,
        start=start,
        end=end,
        timezone=req.timezone,
        currency=currency,
        columns=[c.name for c in columns_of(ctx, req.type, req.columns)],
        format=req.format,
    )


def run_currency(raw: str | None) -> str | None:
    """The asset a run or schedule is limited to: an ISO 4217 code (any case) or an org's own unit."""
    if raw is None or len(raw) != 3:
        return raw
    # An org's own units are 4 to 24 characters (ledger define_asset), so a 3-letter code is ISO 4217
    # or a typo: a typo must not publish an empty file that looks like "no activity".
    if not is_currency(raw.upper()):
        raise UnknownCurrency(f"{raw!r} is not an ISO 4217 currency.", errors=[{"field": "currency"}])
    return raw.upper()


def columns_of(ctx: Runtime, type_: str, names: list[str] | None) -> tuple[cols.Column, ...]:
    needs = cols.NEEDS.get(type_)
    if needs and needs not in {m.name for m in ctx.modules}:
        raise ReportTypeUnavailable(f"{type_} reads {needs}, which this deployment does not run.")
    return cols.select(type_, names)


async def create(ctx: Runtime, ident: Principal, req: ReportCreate) -> dict[str, Any]:
    """POST /v1/reports."""
    run = await start(ctx, ident.org_id, ident.mode, validate(ctx, req))
    assert run is not None
    return render_run(run, ctx.settings.public_url)


async def start(
    ctx: Runtime,
    org_id: str,
    mode: str,
    rr: RunRequest,
    *,
    inline_rows: int | None = -1,
    also: Callable[[AsyncSession, ReportRun], Awaitable[bool]] | None = None,
) -> ReportRun | None:
    """Record the run with its job (deferred), then try to build it now (inline_rows -1: up to the
    setting's rows; None: whatever its size); a run too large to build at once is left `pending` for
    the job. `also` runs in the run's
    transaction (a schedule advancing); if it answers False, nothing is recorded and None returned."""
    now = utcnow()
    run = ReportRun(
        id=new_id("rpt"),
        org_id=org_id,
        mode=mode,
        type=rr.type,
        status="pending",
        interval_start=rr.start,
        interval_end=rr.end,
        timezone=rr.timezone,
        currency=rr.currency,
        columns=rr.columns,
        format=rr.format,
        schedule_id=rr.schedule_id,
        created_at=now,
    )
    async with ctx.db.unit_of_work() as s:
        if also is not None and not await also(s, run):
            return None
        await repository.insert_run(s, run)
        await jobs.enqueue(s, RUN_JOB, {"run_id": run.id}, run_at=now + JOB_DELAY, unique_key=f"{RUN_JOB}:{run.id}")
    try:
        limit = ctx.settings.reports_inline_rows if inline_rows == -1 else inline_rows
        await build(ctx, run.id, max_rows=limit)
    except _TooBig:
        async with ctx.db.unit_of_work() as s:
            await repository.delete_chunks(s, run.id)
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await repository.run_by_id(s, run.id)
    assert found is not None
    return found


async def build(ctx: Runtime, run_id: str, *, max_rows: int | None = None) -> str:
    """Build a pending run: stream its rows into chunks, tie out, publish (or fail with the problem)."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        run = await repository.run_by_id(s, run_id)
    if run is None or run.status != "pending":
        return "done already"
    async with ctx.db.unit_of_work() as s:
        await repository.delete_chunks(s, run_id)  # what an interrupted attempt left
    spec = Spec(run.org_id, run.mode, run.type, run.interval_start, run.interval_end, zone(run.timezone), run.currency)
    encoder = Encoder(run.format, tuple(next(c for c in cols.COLUMNS[run.type] if c.name == n) for n in run.columns))
    digest, size, count, seq = hashlib.sha256(), 0, 0, 0
    pending = bytearray(encoder.header())
    try:
        async for rows in BUILDERS[run.type](ctx, spec):
            count += len(rows)
            if max_rows is not None and count > max_rows:
                raise _TooBig
            pending += encoder.rows(rows)
            if len(pending) >= 256 * 1024:
                seq = await _store(ctx, run_id, seq, bytes(pending))
                digest.update(pending)
                size += len(pending)
                pending = bytearray()
    except TieOutError as exc:
        return await _fail(ctx, run, ReportTieOutFailed(str(exc)).to_dict())
    if pending or seq == 0:
        seq = await _store(ctx, run_id, seq, bytes(pending))
        digest.update(pending)
        size += len(pending)
    values = {
        "status": "succeeded",
        "row_count": count,
        "byte_count": size,
        "sha256": digest.hexdigest(),
        "completed_at": utcnow(),
    }
    async with ctx.db.unit_of_work() as s:
        if await repository.finish_run(s, run_id, values):
            for k, v in values.items():
                setattr(run, k, v)
            await ctx.events.emit(
                s, run.org_id, run.mode, REPORT_SUCCEEDED, render_run(run, ctx.settings.public_url), resource_id=run.id
            )
    return "succeeded"


async def _store(ctx: Runtime, run_id: str, seq: int, data: bytes) -> int:
    async with ctx.db.unit_of_work() as s:
        await repository.insert_chunk(s, run_id, seq, pack(data))
    return seq + 1


async def _fail(ctx: Runtime, run: ReportRun, problem: dict[str, Any]) -> str:
    values = {"status": "failed", "error": problem, "completed_at": utcnow()}
    async with ctx.db.unit_of_work() as s:
        await repository.delete_chunks(s, run.id)
        if await repository.finish_run(s, run.id, values):
            for k, v in values.items():
                setattr(run, k, v)
            await ctx.events.emit(
                s, run.org_id, run.mode, REPORT_FAILED, render_run(run, ctx.settings.public_url), resource_id=run.id
            )
    return "failed"


async def get(ctx: Runtime, ident: Principal, run_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        run = await repository.find_run(s, ident.org_id, ident.mode, run_id)
    if run is None:
        raise ReportNotFound(f"No report run {run_id!r} in this org and mode.")
    return render_run(run, ctx.settings.public_url)


async def list_runs(ctx: Runtime, ident: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.runs(s, ident.org_id, ident.mode, decode_cursor(cursor), limit)
    return page(rows, limit, key=lambda r: r.id, render=lambda r: render_run(r, ctx.settings.public_url))


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    size: int
    sha256: str
    body: AsyncIterator[bytes]


async def download(ctx: Runtime, org_id: str, mode: str, run_id: str) -> Download:
    """The published file, read back one stored chunk at a time."""
    from rewardkit.reports.files import MEDIA_TYPES

    async with ctx.db.unit_of_work(readonly=True) as s:
        run = await repository.find_run(s, org_id, mode, run_id)
    if run is None:
        raise ReportNotFound(f"No report run {run_id!r} in this org and mode.")
    if run.status != "succeeded":
        raise ReportNotReady(f"The run is {run.status}.", status_of_run=run.status)

    async def chunks() -> AsyncIterator[bytes]:
        seq = 0
        while True:
            async with ctx.db.unit_of_work(readonly=True) as s:
                data = await repository.chunk(s, run_id, seq)
            if data is None:
                return
            yield unpack(data)
            seq += 1

    start = run.interval_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = run.interval_end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Download(
        filename=f"{run.type}_{start}_{end}_{run.id}.{run.format}",
        media_type=MEDIA_TYPES[run.format],
        size=int(run.byte_count or 0),
        sha256=str(run.sha256),
        body=chunks(),
    )


async def run_job(ctx: Runtime, run_id: str) -> str:
    """reports.run: build a run the request left pending (too large, or its process died)."""
    return await build(ctx, run_id)


async def email_link(ctx: Runtime, run: ReportRun, to: str) -> None:
    """A scheduled run's email: its download link (the file itself stays behind the API key)."""
    from rewardkit.mailbox import service as mailbox

    url = f"{ctx.settings.public_url.rstrip('/')}/v1/reports/{run.id}/download"
    async with ctx.db.unit_of_work() as s:
        await mailbox.queue_email(
            s,
            ctx,
            org_id=run.org_id,
            mode=run.mode,
            to=to,
            kind="report",
            context={"url": url, "report_type": run.type, "interval_start": run.interval_start.isoformat(),
                     "interval_end": run.interval_end.isoformat(), "row_count": run.row_count},
            ref=f"{run.id}:email",
        )  # fmt: skip
