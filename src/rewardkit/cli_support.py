"""What every CLI command shares: run a coroutine against the configured database, print, fail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer

from rewardkit.config import Settings
from rewardkit.kit.db import Database, create_engine
from rewardkit.kit.errors import Problem

T = TypeVar("T")


def run(fn: Callable[[Database, Settings], Awaitable[T]]) -> T:
    """One short-lived engine per command; every command honours REWARDKIT_DATABASE_URL."""
    from rewardkit.bootstrap import wire_events

    settings = Settings()
    wire_events()

    async def main() -> T:
        db = Database(create_engine(settings.database_url, pool_size=2, max_overflow=2))
        try:
            return await fn(db, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def out(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else text)


def problem_text(p: Problem) -> str:
    """A problem with its row-by-row errors, as the import commands print it."""
    rows = "\n".join(f"  row {e['row']}: {e['field']}: {e['message']}" for e in (p.errors or []))
    return f"{p.detail}\n{rows}".rstrip()
