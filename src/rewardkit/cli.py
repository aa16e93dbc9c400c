"""The rewardkit command line. Every command honours REWARDKIT_DATABASE_URL (and the other settings)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from rewardkit.cli_support import fail, out, problem_text, run
from rewardkit.config import Settings
from rewardkit.kit import heap
from rewardkit.kit.context import keyring_for
from rewardkit.kit.db import Database
from rewardkit.kit.money import MoneyError, format_major, is_currency, to_minor
from rewardkit.suppliers.cli import inventory_app

app = typer.Typer(help="rewardkit: open-source rewards infrastructure.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
wallets_app = typer.Typer(help="Prepaid wallets.", no_args_is_help=True)
catalog_app = typer.Typer(help="The product catalog and FX rates.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")
app.add_typer(wallets_app, name="wallets")
app.add_typer(catalog_app, name="catalog")
app.add_typer(ledger_app, name="ledger")
app.add_typer(inventory_app, name="inventory")

DEMO_FILE = "demo.json"


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest migration."""
    from rewardkit.migrate import head_revision, upgrade

    run(lambda db, s: upgrade(db))
    typer.echo(f"database at migration {head_revision()}")


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Option(help="Display name")],
    default_currency: Annotated[str, typer.Option(help="Pays orders in currencies without a wallet")] = "USD",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an organisation with one test and one live API key (shown only now)."""
    from rewardkit.auth import service

    if not name.strip():
        fail("--name must not be empty", 2)
    if not is_currency(default_currency.upper()):
        fail(f"{default_currency} is not an ISO 4217 currency", 2)

    async def go(db: Database, settings: Settings) -> dict[str, Any]:
        keyring = keyring_for(settings)
        async with db.unit_of_work() as s:
            org = await service.create_org(s, name.strip(), default_currency.upper())
            _, test = await service.create_key(s, keyring, org.id, "test")
            _, live = await service.create_key(s, keyring, org.id, "live")
        return {"id": org.id, "name": org.name, "api_keys": {"test": test, "live": live}}

    result = run(go)
    out(
        result,
        as_json,
        f"created {result['id']} ({result['name']})\n  test key: {result['api_keys']['test']}\n"
        f"  live key: {result['api_keys']['live']}\nThe keys are shown only once.",
    )


@orgs_app.command("list")
def orgs_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    from rewardkit.auth import repository

    async def go(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.unit_of_work(readonly=True) as s:
            return [
                {"id": o.id, "name": o.name, "default_currency": o.default_currency}
                for o in await repository.list_orgs(s)
            ]

    rows = run(go)
    out(rows, as_json, "\n".join(f"{r['id']}  {r['name']}" for r in rows) or "no organisations")


@orgs_app.command("brand")
def orgs_brand(
    org_id: Annotated[str, typer.Argument(help="Organisation id (org_…)")],
    name: Annotated[str | None, typer.Option("--name", help="Display name on hosted pages")] = None,
    accent: Annotated[str | None, typer.Option("--accent", help="Accent colour, #rrggbb")] = None,
    logo_url: Annotated[str | None, typer.Option("--logo-url", help="https URL of the logo")] = None,
    support_email: Annotated[str | None, typer.Option("--support-email", help="Shown in the footer")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Set the branding of an organisation's hosted pages (only the options given; "" clears one)."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    given = {"display_name": name, "accent_color": accent, "logo_url": logo_url, "support_email": support_email}
    changes: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}

    async def go(db: Database, settings: Settings) -> dict[str, Any]:
        async with db.unit_of_work(readonly=not changes) as s:
            found = await (service.update_branding(s, org_id, changes) if changes else service.get_branding(s, org_id))
        return found.to_api()

    try:
        result = run(go)
    except Problem as p:
        fail(service.branding_problem_text(p))
    out(result, as_json, service.branding_text(result))


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organisation id (org_…)")],
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API key; its secret is printed once and stored only as an HMAC hash."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    if mode not in ("test", "live"):
        fail("--mode must be test or live", 2)

    async def go(db: Database, settings: Settings) -> dict[str, Any]:
        async with db.unit_of_work() as s:
            key, raw = await service.create_key(s, keyring_for(settings), org, mode)
        return {"id": key.id, "org_id": key.org_id, "mode": key.mode, "secret": raw}

    try:
        result = run(go)
    except Problem as p:
        fail(p.detail)
    out(result, as_json, f"{result['id']} ({result['mode']}): {result['secret']}\nShown only once.")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (key_…)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke a key: it stops working within api_key_cache_seconds on every process."""
    from rewardkit.auth import service

    async def go(db: Database, settings: Settings) -> bool:
        async with db.unit_of_work() as s:
            return await service.revoke_key(s, key_id)

    if not run(go):
        fail(f"no active key {key_id}")
    out({"id": key_id, "revoked": True}, as_json, f"revoked {key_id}")


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
    from rewardkit.auth.repository import get_org
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

    async def go(db: Database, settings: Settings) -> dict[str, Any]:
        async with db.unit_of_work() as s:
            if await get_org(s, org) is None:
                raise typer.BadParameter(f"no organisation {org}")
            tx = await ledger.fund_wallet(s, keyring_for(settings), org, mode, currency, minor, reference=reference)
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

    async def go(db: Database, settings: Settings) -> int:
        async with db.unit_of_work() as s:
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

    async def go(db: Database, settings: Settings) -> tuple[int, int]:
        async with db.unit_of_work() as s:
            return await service.seed_sandbox(s)

    n, r = run(go)
    typer.echo(f"seeded {n} products and {r} FX rates")


@ledger_app.command("verify")
def ledger_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check every ledger invariant; exit 1 on any break."""
    from dataclasses import asdict

    from rewardkit.ledger import service as ledger

    async def go(db: Database, settings: Settings) -> Any:
        async with db.unit_of_work(readonly=True) as s:
            return await ledger.verify(s)

    report = run(go)
    data = {**asdict(report), "ok": report.ok}
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        for name, items in asdict(report).items():
            typer.echo(f"{'ok  ' if not items else 'FAIL'} {name}: {len(items)}")
    if not report.ok:
        raise typer.Exit(1)


jobs_app = typer.Typer(help="The durable job queue.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, succeeded or dead")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List jobs, newest first (e.g. `--status dead` for those that exhausted their attempts)."""
    from rewardkit.jobs import repository

    if status is not None and status not in ("queued", "running", "succeeded", "dead"):
        fail("--status must be queued, running, succeeded or dead", 2)

    async def go(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.unit_of_work(readonly=True) as s:
            rows = await repository.list_jobs(s, status, limit)
        return [
            {
                "id": j.id,
                "kind": j.kind,
                "status": j.status,
                "attempts": j.attempts,
                "max_attempts": j.max_attempts,
                "run_at": j.run_at.isoformat(),
                "payload": j.payload,
                "last_error": j.last_error,
            }
            for j in rows
        ]

    rows = run(go)
    text = "\n".join(
        f"{r['id']:>8}  {r['status']:<9} {r['kind']:<16} attempts {r['attempts']}/{r['max_attempts']}  "
        f"{r['last_error'] or ''}"
        for r in rows
    )
    out(rows, as_json, text or "no jobs")


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="A dead job's id")]) -> None:
    """Give a dead job a fresh set of attempts, due now."""
    from rewardkit.jobs import repository
    from rewardkit.kit.db import utcnow

    async def go(db: Database, settings: Settings) -> bool:
        async with db.unit_of_work() as s:
            return await repository.requeue(s, job_id, utcnow())

    if not run(go):
        fail(f"job {job_id} is not dead (only dead jobs can be retried)")
    typer.echo(f"job {job_id} queued again")


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Jobs at once per process [default: REWARDKIT_WORKER_CONCURRENCY]"),
    ] = None,
    processes: Annotated[int, typer.Option(min=1, max=64, help="Worker processes to start")] = 1,
) -> None:
    """Run background workers (fulfilment and other jobs) until interrupted."""
    concurrency = concurrency or Settings().worker_concurrency
    if processes > 1:
        _supervise([sys.executable, "-m", "rewardkit.cli", "worker", "--concurrency", str(concurrency)], processes)
    _run_fast(_worker_main(concurrency))


def _supervise(cmd: list[str], copies: int) -> None:
    """Run `copies` child processes of `cmd`, pass SIGTERM/SIGINT on to them, exit with the worst code."""
    import signal
    import subprocess

    children = [subprocess.Popen(cmd) for _ in range(copies)]

    def _forward(signum: int, _frame: Any) -> None:
        for c in children:
            c.send_signal(signum)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    codes = [c.wait() for c in children]
    raise typer.Exit(max(codes))


def _run_fast(main: Any) -> None:
    """asyncio.run on uvloop where it is installed (uvicorn[standard] brings it, and the API runs on
    it): the worker is mostly event-loop, socket and driver work, which uvloop makes cheaper."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        asyncio.run(main)
        return
    uvloop.run(main)


async def _worker_main(concurrency: int) -> None:
    import signal

    from rewardkit.bootstrap import build_context, build_worker

    ctx = build_context(Settings(), pool_size=concurrency + 2)
    w = build_worker(ctx, concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    heap.settle()  # start-up is over (kit/heap.py says why)
    typer.echo(f"worker {w.name} started (concurrency {concurrency})")
    sys.stdout.flush()
    try:
        await w.run(stop)
    finally:
        outbound = ctx.caches.get("outbound")  # kit.outbound.shared (webhook deliveries, http suppliers)
        if outbound is not None:
            await outbound.aclose()
        await ctx.db.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (PostgreSQL only)")] = 1,
    demo: Annotated[bool, typer.Option(help="Seed the sandbox catalog and a funded demo org")] = True,
) -> None:
    """Migrate, seed the sandbox, print the sandbox key and run the API."""
    import uvicorn

    from rewardkit.migrate import upgrade

    settings = Settings()
    if workers > 1 and settings.is_sqlite:
        fail("several API processes need PostgreSQL (set REWARDKIT_DATABASE_URL)", 2)
    keyring_for(settings)  # refuse to start (before migrating) when production has no secret keys

    async def prepare(db: Database, s: Settings) -> str | None:
        await upgrade(db)
        return await _ensure_demo(db, s) if demo else None

    key = run(prepare)
    if key:
        typer.echo("\n  rewardkit sandbox is ready.")
        typer.echo(f"  API key (test mode):  {key}")
        typer.echo(f"  Try it:  export API_KEY={key}")
        typer.echo(f'           curl -H "Authorization: Bearer $API_KEY" http://{host}:{port}/v1/balances')
        typer.echo(f"  Docs:    http://{host}:{port}/docs")
        typer.echo(f"  Hosted links (vouchers) use {settings.public_url}\n")
        sys.stdout.flush()
    if workers == 1:
        uvicorn.run("rewardkit.app:create_app", factory=True, host=host, port=port, log_level=_log_level())
        return
    _serve_processes(host, port, workers)


def _log_level() -> str:
    return os.environ.get("REWARDKIT_LOG_LEVEL", "info")


def _serve_processes(host: str, port: int, workers: int) -> None:
    """Several API processes, each with its own SO_REUSEPORT listening socket, so the kernel spreads
    connections across them. (uvicorn's own --workers shares one socket, and a burst of keep-alive
    connections can all land in the process that wakes first, leaving the others idle.)"""
    _supervise([sys.executable, "-m", "rewardkit.cli", "serve-process", "--host", host, "--port", str(port)], workers)


@app.command("serve-process", hidden=True)
def serve_process(host: Annotated[str, typer.Option()], port: Annotated[int, typer.Option()]) -> None:
    """One API process of `serve --workers N` (internal): no migration, no demo, just serve."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    config = uvicorn.Config("rewardkit.app:create_app", factory=True, log_level=_log_level())
    uvicorn.Server(config).run(sockets=[sock])


async def _ensure_demo(db: Database, settings: Settings) -> str:
    """The sandbox catalog (once) and a demo org with funded test wallets; its key is kept in the
    data directory (mode 0600) so restarts print the same one."""
    from rewardkit.auth import service as auth
    from rewardkit.auth.errors import InvalidApiKey
    from rewardkit.catalog import repository as catalog_repo
    from rewardkit.catalog import service as catalog
    from rewardkit.ledger import service as ledger

    async with db.unit_of_work() as s:
        if await catalog_repo.product_count(s) == 0:
            await catalog.seed_sandbox(s)
    keyring = keyring_for(settings)
    demo_path = Path(settings.secret_file).parent / DEMO_FILE
    if demo_path.exists():
        saved = json.loads(demo_path.read_text())
        try:
            async with db.unit_of_work(readonly=True) as s:
                await auth.authenticate(s, keyring, saved["test_key"])
            return str(saved["test_key"])
        except (InvalidApiKey, KeyError):
            pass
    async with db.unit_of_work() as s:
        org = await auth.create_org(s, "Demo org", "USD")
        _, key = await auth.create_key(s, keyring, org.id, "test")
        for currency, amount in (("USD", "10000.00"), ("EUR", "5000.00"), ("GBP", "5000.00")):
            await ledger.fund(s, org.id, "test", currency, to_minor(amount, currency), description="Demo funds")
    demo_path.parent.mkdir(parents=True, exist_ok=True)
    demo_path.write_text(json.dumps({"org_id": org.id, "test_key": key}))
    demo_path.chmod(0o600)
    return key


def main() -> None:
    app()


if __name__ == "__main__":
    main()
