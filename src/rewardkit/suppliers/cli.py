"""`rewardkit inventory …`: upload codes bought in bulk and see the stock (docs/suppliers.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, problem_text, run
from rewardkit.kit.errors import Problem
from rewardkit.suppliers import inventory_service

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

inventory_app = typer.Typer(help="Codes bought in bulk, handed out by the inventory supplier.", no_args_is_help=True)


@inventory_app.command("import")
def inventory_import(
    product: Annotated[str, typer.Argument(help="The product id the codes are for")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: code,pin,amount,expires_at")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import codes from a CSV file, all or nothing. Columns: code, pin (optional), amount (major units,
    e.g. 25.00), expires_at (optional ISO date). Codes are stored encrypted; a code is accepted once."""
    try:
        rows = inventory_service.parse_csv(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    except Problem as p:
        fail(problem_text(p))

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            n = await inventory_service.import_codes(s, rt.keyring, product, rows)
            stock = await inventory_service.counts(s, product)
        return {"product_id": product, "imported": n, "stock": stock}

    try:
        result = run(go)
    except Problem as p:
        if as_json:
            typer.echo(json.dumps(p.to_dict(), indent=2), err=True)
            raise typer.Exit(1) from None
        fail(problem_text(p))
    out(result, as_json, f"imported {result['imported']} codes for {product}\n{_counts_text(result['stock'])}")


@inventory_app.command("counts")
def inventory_counts(
    product: Annotated[str | None, typer.Option("--product", help="Only this product")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stock per product and denomination: available (usable now), used, expired."""

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.unit_of_work(readonly=True) as s:
            return await inventory_service.counts(s, product)

    rows = run(go)
    out(rows, as_json, _counts_text(rows) or "no inventory")


def _counts_text(rows: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{r['product_id']:<40} {r['amount']['value']:>12} {r['currency']}  "
        f"available {r['available']:>6}  used {r['used']:>6}  expired {r['expired']:>6}"
        for r in rows
    )
