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
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from rewardkit.config import Settings
from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

T = TypeVar("T")
RuntimeFactory = Callable[[Settings], "Runtime"]
RUNTIME_FACTORY: ContextVar[RuntimeFactory] = ContextVar("rewardkit_runtime_factory")


def run(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """One short-lived runtime per command (a small pool); every command honours REWARDKIT_DATABASE_URL.
    The runtime is closed by the same aclose() as the API's and the worker's."""
    build = RUNTIME_FACTORY.get()
    settings = Settings()

    async def main() -> T:
        rt = build(settings)
        try:
            return await fn(rt)
        finally:
            await rt.aclose()

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
