"""`rewardkit wallets …` and `rewardkit ledger …`: top-ups and the ledger's invariants."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, run
from rewardkit.kit.money import MoneyError, format_major, to_minor

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

wallets_app = typer.Typer(help="Prepaid wallets.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


@wallets_app.command("fund")
def wallets_fund(
    org: Annotated[str, typer.Option(help="Organisation id")],
    currency: Annotated[str, typer.Option(help="ISO 4217")],
    amount: Annotated[str, typer.Option(help="In major units, e.g. 1000.00")],
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    reference: Annotated[str | None, typer.Option(help="Unique reference of the top-up (bank transfer id)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Top up a wallet: one balanced ledger transaction from `funding` into the wallet."""
    from rewardkit.auth.service import org_exists
    from rewardkit.kit.errors import Problem
    from rewardkit.ledger import service as ledger

    currency = currency.upper()
    if mode not in ("test", "live"):
        fail("--mode must be test or live", 2)
    try:
        minor = to_minor(Decimal(amount), currency)
    except (MoneyError, InvalidOperation) as exc:
        fail(f"--amount {amount!r}: {exc}", 2)
    if minor <= 0:
        fail("--amount must be positive", 2)

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            if not await org_exists(s, org):
                raise typer.BadParameter(f"no organisation {org}")
            tx = await ledger.fund_wallet(s, rt.events, org, mode, currency, minor, reference=reference)
            balances = {b.currency: b.available for b in await ledger.balances(s, org, mode)}
        return {
            "transaction_id": tx.id,
            "org_id": org,
            "mode": mode,
            "currency": currency,
            "amount": format_major(minor, currency),
            "amount_minor": minor,
            "available": format_major(balances[currency], currency),
        }

    try:
        result = run(go)
    except typer.BadParameter as exc:
        fail(str(exc))
    except Problem as p:
        fail(p.detail)
    out(result, as_json, f"funded {result['amount']} {currency} ({mode}); available {result['available']} {currency}")


@ledger_app.command("verify")
def ledger_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check every ledger invariant; exit 1 on any break."""
    from dataclasses import asdict

    from rewardkit.ledger import service as ledger

    async def go(rt: Runtime) -> Any:
        async with rt.db.unit_of_work(readonly=True) as s:
            report = await ledger.verify(s)
        if report.ok:  # for /metrics: rewardkit_ledger_verify_age_seconds
            async with rt.db.unit_of_work() as s:
                await ledger.record_verified(s)
        return report

    report = run(go)
    data = {**asdict(report), "ok": report.ok}
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        for name, items in asdict(report).items():
            typer.echo(f"{'ok  ' if not items else 'FAIL'} {name}: {len(items)}")
    if not report.ok:
        raise typer.Exit(1)
