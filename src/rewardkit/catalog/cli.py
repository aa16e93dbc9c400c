"""`rewardkit catalog …`: import products and FX rates, seed the sandbox catalog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rewardkit.cli_support import fail, out, problem_text, run

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

catalog_app = typer.Typer(help="The product catalog and FX rates.", no_args_is_help=True)


@catalog_app.command("import")
def catalog_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .json or .csv catalog file")],
    fx: Annotated[bool, typer.Option("--fx", help="The file holds FX rates, not products")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import (upsert) products from JSON or CSV, all or nothing. See docs/catalog.md for the columns."""
    from rewardkit.catalog import service
    from rewardkit.kit.errors import Problem

    text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM

    async def go(rt: Runtime) -> int:
        async with rt.db.unit_of_work() as s:
            if fx:
                return await service.import_rates(s, text)
            items = service.parse_catalog(text, path.suffix.lstrip(".").lower())
            return await service.import_products(s, items)

    try:
        n = run(go)
    except Problem as p:
        fail(problem_text(p))
    out({"imported": n}, as_json, f"imported {n} {'rates' if fx else 'products'}")


@catalog_app.command("seed")
def catalog_seed() -> None:
    """Load the shipped sandbox catalog and FX rates."""
    from rewardkit.catalog import service

    async def go(rt: Runtime) -> tuple[int, int]:
        async with rt.db.unit_of_work() as s:
            return await service.seed_sandbox(s)

    n, r = run(go)
    typer.echo(f"seeded {n} products and {r} FX rates")
