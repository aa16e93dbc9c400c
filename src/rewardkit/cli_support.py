"""What every CLI command shares: run a coroutine against the configured runtime, print, fail.

Domain commands live in their domain (`<domain>/cli.py`, a typer sub-app named in its module.py);
`rewardkit/cli.py` is the shell. The shell's root callback sets how to build a runtime (RUNTIME_FACTORY,
a context variable, so nothing process-wide is mutated), so a domain's command reaches the runtime
without importing the composition root (bootstrap, modules), which imports every domain's commands.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from rewardkit.config import Settings
from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

T = TypeVar("T")
RuntimeFactory = Callable[[Settings], "Runtime"]
RUNTIME_FACTORY: ContextVar[RuntimeFactory] = ContextVar("rewardkit_runtime_factory")


def run(fn: Callable[[Runtime], Awaitable[T]], *, creates: bool = False) -> T:
    """One short-lived runtime per command (a small pool); every command honours REWARDKIT_DATABASE_URL.
    The runtime is closed by the same aclose() as the API's and the worker's.

    Only the commands that make a database (`migrate`, `serve`) pass creates=True; every other one
    refuses, in one line, a SQLite file that does not exist (instead of creating an empty one where it
    was run) and a database without the rewardkit schema."""
    build = RUNTIME_FACTORY.get()
    settings = Settings()
    if not creates:
        require_sqlite_file(settings)

    async def main() -> T:
        rt = build(settings)
        try:
            if not creates:
                await require_schema(rt, settings)
            return await fn(rt)
        finally:
            await rt.aclose()

    return asyncio.run(main())


HOW_TO_POINT = "set REWARDKIT_DATABASE_URL (or run in the folder that holds var/)"


def database_label(settings: Settings) -> str:
    """Where the database is, for a message: the SQLite file's absolute path, or the URL without password."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        return str(Path(url.database or "").resolve())
    return url.render_as_string(hide_password=True)


def require_sqlite_file(settings: Settings) -> None:
    """Fail (before anything is created) when the configured SQLite file does not exist."""
    if not settings.is_sqlite:
        return
    path = make_url(settings.database_url).database or ""
    if path and path != ":memory:" and not Path(path).exists():
        fail(
            f"no rewardkit database at {database_label(settings)} (REWARDKIT_DATABASE_URL="
            f"{settings.database_url}): {HOW_TO_POINT}, or create one there with `rewardkit migrate`"
        )


async def require_schema(rt: Runtime, settings: Settings) -> None:
    """Fail in one line when the database cannot be reached or has never been migrated."""
    where = database_label(settings)
    try:
        async with rt.db.engine.connect() as conn:
            migrated = await conn.run_sync(lambda c: inspect(c).has_table("alembic_version"))
    except (OSError, DBAPIError) as exc:
        fail(f"cannot reach the database at {where}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    if not migrated:
        fail(
            f"the database at {where} has no rewardkit schema: run `rewardkit migrate`, "
            "or set REWARDKIT_DATABASE_URL to another database"
        )


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def out(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else text)


def problem_text(p: Problem) -> str:
    """A problem with its row-by-row errors, as the import commands print it."""
    rows = "\n".join(f"  row {e['row']}: {e['field']}: {e['message']}" for e in (p.errors or []))
    return f"{p.detail}\n{rows}".rstrip()
