"""`rewardkit reports export`: a report run from the shell, with the API's types, options and
validation, written to a file (or stdout) as it is read back from the published chunks."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from rewardkit.cli_support import fail, run
from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

reports_app = typer.Typer(help="Reports: export the ledger, orders, reward links, points.", no_args_is_help=True)


@reports_app.command("export")
def export(
    org: Annotated[str, typer.Option(help="Organisation id (org_…)")],
    type_: Annotated[
        str, typer.Option("--type", help="balance_summary, balance_transactions, orders, reward_links, points")
    ],
    start: Annotated[str, typer.Option(help="interval_start, inclusive: 2026-11-01 or an ISO 8601 datetime")],
    end: Annotated[str, typer.Option(help="interval_end, exclusive")],
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    timezone: Annotated[str, typer.Option(help="IANA time zone of dates and local times")] = "UTC",
    format_: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    currency: Annotated[str | None, typer.Option(help="Only this asset")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated columns (default: all)")] = None,
    out_file: Annotated[str | None, typer.Option("--out", help="Write here (default: stdout)")] = None,
) -> None:
    """Run a report and write its file. The run is recorded as the API's are (GET /v1/reports lists it)."""
    from rewardkit.auth import service as auth
    from rewardkit.reports import service
    from rewardkit.reports.schemas import ReportCreate

    if mode not in ("test", "live"):
        fail("--mode is test or live")
    try:
        req = ReportCreate.model_validate(
            {
                "type": type_,
                "interval_start": start,
                "interval_end": end,
                "timezone": timezone,
                "format": format_,
                "currency": currency,
                "columns": [c.strip() for c in columns.split(",") if c.strip()] if columns else None,
            }
        )
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()))

    async def go(rt: Runtime) -> tuple[str, str, int | None]:
        async with rt.db.unit_of_work(readonly=True) as s:
            if not await auth.org_exists(s, org):
                raise Problem(f"no organisation {org}")
        rr = service.validate(rt, req)
        found = await service.start(rt, org, mode, rr, inline_rows=None)
        assert found is not None
        if found.status != "succeeded":
            raise Problem(f"{found.id} {found.status}: {(found.error or {}).get('detail', '')}")
        dl = await service.download(rt, org, mode, found.id)
        # A CLI command: blocking writes are what it does, one chunk at a time.
        sink = open(out_file, "wb") if out_file else sys.stdout.buffer  # noqa: SIM115, ASYNC230 - closed below
        try:
            async for piece in dl.body:
                sink.write(piece)
        finally:
            if out_file:
                sink.close()
            else:
                sink.flush()
        return found.id, dl.sha256, found.row_count

    try:
        run_id, digest, rows = run(go)
    except Problem as p:
        fail(p.detail)
    typer.echo(f"{run_id}: {rows} rows, sha256 {digest}" + (f" -> {out_file}" if out_file else ""), err=True)
