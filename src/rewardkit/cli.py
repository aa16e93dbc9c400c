"""The rewardkit command line. Every command honours REWARDKIT_DATABASE_URL (and the other settings)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rewardkit.bootstrap import build_runtime, build_worker
from rewardkit.cli_support import RUNTIME_FACTORY, fail, require_schema, require_sqlite_file, run
from rewardkit.config import Settings
from rewardkit.kit import heap
from rewardkit.kit.money import to_minor
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime, keyring_for

app = typer.Typer(help="rewardkit: open-source rewards infrastructure.", no_args_is_help=True)
for _module in MODULES:
    for _name, _sub in _module.cli:
        app.add_typer(_sub, name=_name)

DEMO_FILE = "demo.json"


@app.callback()
def _root() -> None:
    # How domain commands build their runtime (cli_support.run): a small pool, the same modules as the API.
    RUNTIME_FACTORY.set(lambda settings: build_runtime(settings, pool_size=2, max_overflow=2))


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest migration."""
    from rewardkit.migrate import head_revision, upgrade

    run(lambda rt: upgrade(rt.db), creates=True)
    typer.echo(f"database at migration {head_revision()}")


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Jobs at once per process [default: REWARDKIT_WORKER_CONCURRENCY]"),
    ] = None,
    processes: Annotated[int, typer.Option(min=1, max=64, help="Worker processes to start")] = 1,
) -> None:
    """Run background workers (fulfilment and other jobs) until interrupted."""
    settings = Settings()
    _configure_logging(settings)
    concurrency = concurrency or settings.worker_concurrency
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

    settings = Settings()
    require_sqlite_file(settings)  # the worker reads data: no database, or no schema, is a one-line error
    rt = build_runtime(settings, pool_size=concurrency + 2)
    try:
        await require_schema(rt, settings)
    except BaseException:
        await rt.aclose()
        raise
    w = build_worker(rt, concurrency)
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
        await rt.aclose()


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
    _configure_logging(settings)
    if workers > 1 and settings.is_sqlite:
        fail("several API processes need PostgreSQL (set REWARDKIT_DATABASE_URL)", 2)
    keyring_for(settings)  # refuse to start (before migrating) when production has no secret keys
    public_url = _want_public_url(settings, host, port)
    _want_http_store_cookie(settings, public_url)
    catcher = _want_mail_catcher(settings, workers)
    catcher_taken = catcher and not _port_free(settings.mail_catcher_port)

    async def prepare(rt: Runtime) -> tuple[str, str] | None:
        await upgrade(rt.db)
        return await _ensure_demo(rt) if demo else None

    demo_key = run(prepare, creates=True)
    if demo_key:
        key_id, key = demo_key
        typer.echo("\n  rewardkit sandbox is ready.")
        typer.echo(f"  API key (test mode):  {key}")
        typer.echo(f"  Key id:  {key_id}  (rewardkit keys roll {key_id} replaces it)")
        typer.echo(f"  Try it:  export API_KEY={key}")
        typer.echo(f'           curl -H "Authorization: Bearer $API_KEY" http://{host}:{port}/v1/balances')
        typer.echo(f"  Docs:    http://{host}:{port}/docs")
        typer.echo(f"  Guides:  {public_url}/guides  (search, and ask the docs a question)")
        typer.echo(f"  Hosted links (vouchers) use {public_url}\n")
    if catcher_taken:
        # Another process (a first `rewardkit serve`) holds the port: this server's mail goes to its
        # catcher, and this one's /dev/mail stays empty; say where to look instead (docs/email.md).
        typer.echo(f"  Mail catcher: 127.0.0.1:{settings.mail_catcher_port} is taken (another rewardkit serve?): "
                   f"this server's mail goes to the catcher there; open that server's /dev/mail")  # fmt: skip
    elif catcher:
        typer.echo(f"  Mail catcher: http://{host}:{port}/dev/mail  (no REWARDKIT_SMTP_URL: mail stays here)")
        if demo_key:  # a newcomer's first reward link: its email lands in the catcher, its page opens from there
            typer.echo(f"  A reward link by email:  curl -X POST http://{host}:{port}/v1/reward_links \\")
            typer.echo('             -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \\')
            typer.echo("""             -d '{"value": 25, "currency": "USD", "delivery": "email",""")
            typer.echo("""                  "recipient": {"email": "you@example.com", "country": "US"}}'""")
            typer.echo("           then open the mail catcher and follow the link (docs/links.md)")
        typer.echo("")
    if demo_key or catcher:
        sys.stdout.flush()
    if demo_key and settings.environment == "development":
        # #17: the API reference (/docs) of this local demo server opens authorized with the demo key
        # (guides/reference.py); the app processes read it from their environment.
        os.environ["REWARDKIT_DEMO_API_KEY"] = demo_key[1]
    if workers == 1:
        # proxy_headers off: which proxies to trust is REWARDKIT_FORWARDED_ALLOW_IPS (app.py), not
        # uvicorn's default of believing X-Forwarded-For from 127.0.0.1.
        uvicorn.run(
            "rewardkit.app:create_app", factory=True, host=host, port=port,
            log_level=settings.log_level.lower(), log_config=None, proxy_headers=False,
        )  # fmt: skip
        return
    _serve_processes(host, port, workers)


def _want_public_url(settings: Settings, host: str, port: int) -> str:
    """The base of the links this server makes: REWARDKIT_PUBLIC_URL when it is set, else this server's
    own address (`serve --port 8813` must not hand out links to port 8000). Set in the environment for
    the app factory and `--workers` processes, which read their settings from it."""
    import os

    if "public_url" in settings.model_fields_set:
        return settings.public_url
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    os.environ["REWARDKIT_PUBLIC_URL"] = url
    return url


def _want_http_store_cookie(settings: Settings, public_url: str) -> None:
    """#15: the storefront's member cookie is Secure, which a browser never sends back over plain http
    (Safari not even to localhost). A development server on http turns it off, unless
    REWARDKIT_STOREFRONT_COOKIE_SECURE says otherwise (docs/storefront.md "Sessions and cookies")."""
    import os

    if (
        public_url.startswith("http://")
        and settings.environment == "development"
        and "storefront_cookie_secure" not in settings.model_fields_set
    ):
        os.environ["REWARDKIT_STOREFRONT_COOKIE_SECURE"] = "false"


def _port_free(port: int) -> bool:
    """Whether the mail catcher's port on loopback can be bound now (it binds it once the app starts)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _want_mail_catcher(settings: Settings, workers: int) -> bool:
    """Development without an SMTP server: this process runs the mail catcher (docs/email.md). The app
    reads its settings from the environment (uvicorn's factory), hence the variable; one set explicitly,
    true or false, is left as it is."""
    import os

    if "REWARDKIT_MAIL_CATCHER" not in os.environ:
        if settings.environment != "development" or settings.smtp_url or workers != 1:
            return False
        os.environ["REWARDKIT_MAIL_CATCHER"] = "true"
    return Settings().mail_catcher and settings.environment == "development" and not settings.smtp_url


def _configure_logging(settings: Settings) -> None:
    """JSON (or console) log lines from the start (kit/logs.py); log_config=None keeps uvicorn's
    dictConfig from undoing it, and create_app configures the same again."""
    from rewardkit.kit.logs import configure_logging

    configure_logging(settings.log_format, settings.log_level, (p for m in MODULES for p in m.token_paths))


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
    settings = Settings()
    _configure_logging(settings)
    config = uvicorn.Config(
        "rewardkit.app:create_app", factory=True, log_level=settings.log_level.lower(), log_config=None,
        proxy_headers=False,
    )  # fmt: skip
    uvicorn.Server(config).run(sockets=[sock])


async def _ensure_demo(rt: Runtime) -> tuple[str, str]:
    """The sandbox catalog (once) and a demo org with funded test wallets; its key is kept in the
    data directory (mode 0600) so restarts print the same one. Returns (key id, secret)."""
    from rewardkit.auth import service as auth
    from rewardkit.auth.errors import InvalidApiKey
    from rewardkit.catalog import service as catalog
    from rewardkit.ledger import service as ledger

    db, settings, keyring = rt.db, rt.settings, rt.keyring
    async with db.unit_of_work() as s:
        await catalog.seed_sandbox_if_empty(s)
    demo_path = Path(settings.secret_file).parent / DEMO_FILE
    if demo_path.exists():
        saved = json.loads(demo_path.read_text())
        try:
            async with db.unit_of_work(readonly=True) as s:
                principal = await auth.authenticate(s, keyring, saved["test_key"])
            return principal.id, str(saved["test_key"])
        except (InvalidApiKey, KeyError):
            pass
    async with db.unit_of_work() as s:
        org = await auth.create_org(s, "Demo org", "USD")
        row, key = await auth.create_key(s, keyring, org.id, "test")
        for currency, amount in (("USD", "10000.00"), ("EUR", "5000.00"), ("GBP", "5000.00")):
            await ledger.fund(s, org.id, "test", currency, to_minor(amount, currency), description="Demo funds")
    demo_path.parent.mkdir(parents=True, exist_ok=True)
    demo_path.write_text(json.dumps({"org_id": org.id, "key_id": row.id, "test_key": key}))
    demo_path.chmod(0o600)
    return row.id, key


def main() -> None:
    app()


if __name__ == "__main__":
    main()
