"""Background asyncio tasks a process owns: kept referenced until done, awaited on close."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    """asyncio keeps only weak references to tasks: one nobody holds can be collected mid-flight. Work
    that outlives the request that started it (a slow fast-path fulfilment) is spawned here."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def aclose(self, grace_seconds: float = 5.0) -> None:
        """Let running work finish for up to `grace_seconds` (it is durable: a job whose run is cut
        short is run again once its lease expires), then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
