"""`rewardkit inventory …`: upload codes bought in bulk and see the stock (docs/suppliers.md)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from rewardkit.config import Settings
from rewardkit.kit.context import keyring_for
from rewardkit.kit.db import Database, create_engine
from rewardkit.kit.errors import Problem
from rewardkit.suppliers import inventory_service
from rewardkit.suppliers.adapters import http as _http  # noqa: F401  (registers the http supplier factory)
from rewardkit.suppliers.adapters import inventory as _inventory  # noqa: F401  (and the inventory one)

inventory_app = typer.Typer(help="Codes bought in bulk, handed out by the inventory supplier.", no_args_is_help=True)

T = TypeVar("T")


def _run(fn: Callable[[Database, Settings], Awaitable[T]]) -> T:
    settings = Settings()

    async def main() -> T:
        db = Database(create_engine(settings.database_url, pool_size=2, max_overflow=2))
        try:
            return await fn(db, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _out(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else text)


def _problem_text(p: Problem) -> str:
    rows = "\n".join(f"  row {e['row']}: {e['field']}: {e['message']}" for e in (p.errors or []))
    return f"{p.detail}\n{rows}".rstrip()


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
        _fail(f"{path} is not UTF-8 text")
    except Problem as p:
        _fail(_problem_text(p))

    async def go(db: Database, settings: Settings) -> dict[str, Any]:
        keyring = keyring_for(settings)
        async with db.unit_of_work() as s:
            n = await inventory_service.import_codes(s, keyring, product, rows)
            stock = await inventory_service.counts(s, product)
        return {"product_id": product, "imported": n, "stock": stock}

    try:
        out = _run(go)
    except Problem as p:
        if as_json:
            typer.echo(json.dumps(p.to_dict(), indent=2), err=True)
            raise typer.Exit(1) from None
        _fail(_problem_text(p))
    _out(out, as_json, f"imported {out['imported']} codes for {product}\n{_counts_text(out['stock'])}")


@inventory_app.command("counts")
def inventory_counts(
    product: Annotated[str | None, typer.Option("--product", help="Only this product")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stock per product and denomination: available (usable now), used, expired."""

    async def go(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.unit_of_work(readonly=True) as s:
            return await inventory_service.counts(s, product)

    rows = _run(go)
    _out(rows, as_json, _counts_text(rows) or "no inventory")


def _counts_text(rows: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{r['product_id']:<40} {r['amount']['value']:>12} {r['currency']}  "
        f"available {r['available']:>6}  used {r['used']:>6}  expired {r['expired']:>6}"
        for r in rows
    )
