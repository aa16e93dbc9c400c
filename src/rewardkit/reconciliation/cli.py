"""`rewardkit reconcile`: a supplier's statement matched from the shell (the same service as
POST /v1/reconciliations), and `--resolve LINE` for one of its lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, run
from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

reconcile_app = typer.Typer(help="Supplier reconciliation: match a statement (CSV) against our orders.")

MAX_SHOWN = 200  # non-matched lines printed; --json has them all


def _principal(org: str, mode: str) -> Any:
    from rewardkit.auth.principals import API_KEY, API_KEY_SCOPES, Principal

    # The operator at the shell acts for the org; the audit trail names the CLI as the principal.
    return Principal(API_KEY, org, mode, "cli", scopes=API_KEY_SCOPES)


def _problem(p: Problem) -> str:
    rows = "\n".join(f"  line {e.get('line')}: {e.get('field') or '-'}: {e.get('message')}" for e in (p.errors or []))
    return f"{p.detail}\n{rows}".rstrip()


def _side(side: dict[str, Any] | None) -> str:
    if side is None:
        return "-"
    return f"{side['reference']} {side['amount']['value']} {side['amount']['currency']} {side['date']}"


@reconcile_app.callback(invoke_without_command=True)
def reconcile(
    file: Annotated[Path | None, typer.Argument(help="The statement (CSV, UTF-8)", dir_okay=False)] = None,
    org: Annotated[str, typer.Option(help="The organisation (org_…)")] = "",
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    supplier: Annotated[str, typer.Option(help="The supplier whose statement it is")] = "",
    mapping: Annotated[
        str | None, typer.Option(help="The statement's column mapping (default: the supplier's)")
    ] = None,
    date_tolerance_days: Annotated[int | None, typer.Option(min=0, max=60)] = None,
    amount_tolerance_minor: Annotated[int, typer.Option(min=0)] = 0,
    reconciliation: Annotated[str | None, typer.Option(help="With --resolve: the reconciliation (rcn_…)")] = None,
    resolve: Annotated[str | None, typer.Option(help="Resolve this line (rcl_…) instead of uploading")] = None,
    action: Annotated[str | None, typer.Option(help="adjust | accept | write_off")] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit trail)")] = None,
    amount: Annotated[int | None, typer.Option(help="adjust: minor units")] = None,
    currency: Annotated[str | None, typer.Option(help="adjust: ISO 4217")] = None,
    direction: Annotated[str | None, typer.Option(help="adjust: debit | credit")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Match FILE against the org's orders of the supplier; print the summary and every line that did
    not match. With --resolve: resolve one line of --reconciliation."""
    if not org or mode not in ("test", "live"):
        fail("--org is required and --mode is test or live")
    if resolve is not None:
        _resolve(org, mode, reconciliation, resolve, action, note, amount, currency, direction, as_json)
        return
    if file is None or not supplier:
        fail("give the statement FILE and --supplier (or --resolve LINE)")
    if not file.is_file():
        fail(f"no such file: {file}")
    from rewardkit.reconciliation import service

    up = service.Upload(
        supplier=supplier,
        data=file.read_bytes(),
        mapping=mapping,
        file_name=file.name[:200],
        date_tolerance_days=date_tolerance_days,
        amount_tolerance_minor=amount_tolerance_minor,
    )

    async def go(rt: Runtime) -> dict[str, Any]:
        ident = _principal(org, mode)
        made = (await service.create(rt, ident, up, None)).body
        lines: list[dict[str, Any]] = []
        for status in ("missing_here", "missing_there", "amount_mismatch"):
            cursor = None
            while True:
                got = await service.list_lines(rt, ident, made["id"], status, cursor, 100)
                lines.extend(got["data"])
                if not got["has_more"]:
                    break
                cursor = got["next_cursor"]
        return {"reconciliation": made, "lines": lines}

    try:
        result = run(go)
    except Problem as p:
        fail(_problem(p))
    r, c = result["reconciliation"], result["reconciliation"]["counts"]
    head = (
        f"{r['id']}  {r['supplier']} ({r['mapping']})  {r['period']['start']}..{r['period']['end']}  "
        f"{c['lines']} lines: {c['matched']} matched, {c['missing_here']} missing here, "
        f"{c['missing_there']} missing there, {c['amount_mismatch']} amount mismatch"
    )
    rows = [
        f"{x['id']}  {x['status']:<15} {','.join(x['reasons']) or '-':<14} theirs {_side(x['theirs'])}  "
        f"ours {(x['ours'] or {}).get('order_id', '-')} {_side(x['ours'])}"
        for x in result["lines"][:MAX_SHOWN]
    ]
    more = len(result["lines"]) - MAX_SHOWN
    tail = [f"... and {more} more (--json lists them all)"] if more > 0 else []
    out(result, as_json, "\n".join([head, *rows, *tail]))


def _resolve(
    org: str,
    mode: str,
    reconciliation: str | None,
    line: str,
    action: str | None,
    note: str | None,
    amount: int | None,
    currency: str | None,
    direction: str | None,
    as_json: bool,
) -> None:
    from pydantic import ValidationError

    from rewardkit.reconciliation import service
    from rewardkit.reconciliation.schemas import ResolveCreate

    if not reconciliation:
        fail("--resolve needs --reconciliation")
    try:
        req = ResolveCreate(action=action, note=note, amount=amount, currency=currency, direction=direction)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'resolve'}: {e['msg']}" for e in exc.errors()))

    async def go(rt: Runtime) -> dict[str, Any]:
        return (await service.resolve(rt, _principal(org, mode), reconciliation, line, req, None)).body

    try:
        done = run(go)
    except Problem as p:
        fail(_problem(p))
    res = done["resolution"]
    tx = f", ledger transaction {res['ledger_transaction_id']}" if res["ledger_transaction_id"] else ""
    out(done, as_json, f"{done['id']}: {res['action']}{tx}")
