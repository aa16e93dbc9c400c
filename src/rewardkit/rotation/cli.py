"""`rewardkit secrets …`: finish a key rotation (re-encrypt under the active key) and tell when an old
key can be removed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from rewardkit.cli_support import fail, run

if TYPE_CHECKING:
    from rewardkit.kit.rekey import TableReport
    from rewardkit.runtime import Runtime

secrets_app = typer.Typer(
    help="Encryption keys: re-encrypt after a rotation, and which keys are in use.", no_args_is_help=True
)

HASHED_NOTE = (
    "API keys and sign-in sessions are stored as HMACs and cannot be re-hashed: roll every API key "
    "created before the rotation (`rewardkit keys list`, `rewardkit keys roll`) before removing an old key."
)


@secrets_app.command("reencrypt")
def secrets_reencrypt(
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction")] = 500,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-encrypt voucher codes, inventory codes, event payloads, stored idempotent responses and webhook
    secrets under the active key, in batches, one transaction each. Safe to interrupt and run again."""
    from rewardkit.rotation import service

    def progress(r: TableReport) -> None:
        if not as_json:
            typer.echo(f"  {r.table}: {r.rows} rows re-encrypted ({r.batches} batches)")

    async def go(rt: Runtime) -> tuple[str, list[TableReport]]:
        if not as_json:
            typer.echo(f"re-encrypting under {rt.keyring.active_kid} (batches of {batch_size})")
        return rt.keyring.active_kid, await service.reencrypt(rt, batch_size, progress)

    try:
        active, reports = run(go)
    except ValueError as exc:  # a value under a key id that is not configured
        fail(f"{exc}: add that key back to REWARDKIT_SECRET_KEYS (after the active one) and run again")
    if as_json:
        data = {"active_kid": active, "tables": {r.table: {"rows": r.rows, "values": r.values} for r in reports}}
        typer.echo(json.dumps(data, indent=2))
        return
    for r in reports:
        typer.echo(f"{r.table}: {r.rows} rows re-encrypted")
    typer.echo(f"done: everything is under {active}; `rewardkit secrets status` lists the keys you can remove")


@secrets_app.command("status")
def secrets_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """How many encrypted values each key id holds, per table and column, and which keys can go."""
    from rewardkit.rotation import service

    async def go(rt: Runtime) -> service.Status:
        return await service.status(rt)

    st = run(go)
    if as_json:
        typer.echo(json.dumps({**st.as_dict(), "note": HASHED_NOTE}, indent=2))
        return
    typer.echo(f"active key: {st.active}; keyring: {', '.join(st.keyring)}")
    for table, cols in st.census.counts.items():
        for col, kids in cols.items():
            counts = ", ".join(f"{k}={n}" for k, n in kids.items()) or "empty"
            typer.echo(f"  {table}.{col}: {counts}")
    for kid in st.keyring[1:]:
        if kid in st.removable:
            typer.echo(f"{kid}: no encrypted data left; it can be removed once API keys made under it are rolled")
        else:
            typer.echo(f"{kid}: still in use; run `rewardkit secrets reencrypt`")
    for kid in st.missing:
        typer.echo(f"{kid}: found in the data but not in REWARDKIT_SECRET_KEYS: those values cannot be read")
    typer.echo(HASHED_NOTE)
