"""Group commit: requests that arrive while a batch is being written wait, and go together in the next
batch, one transaction for all of them.

No timer: when nothing is being written, a request is written at once as a batch of one (no added
latency); under load, every request that arrived during a commit shares the next one. One transaction
for many orders costs one row lock per account, one commit and a handful of multi-row statements
instead of all of them per order (docs/orders.md, "Group commit").

A batch answers per item: a result, or the exception that item alone raised. If the batch as a whole
cannot be written, the writer answers `Alone` for the items it could not decide, and their callers
take the one-at-a-time path, which gives each its exact outcome.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Alone(Exception):
    """The batch could not be written as one: do this item on its own."""


@dataclass
class _Queue(Generic[T]):
    items: list[tuple[T, asyncio.Future[Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class GroupCommit(Generic[T, R]):
    """`write(items)` writes a batch in one transaction and returns one result or exception per item,
    in order. One writer task per event loop, so a process's batches never overlap each other."""

    def __init__(self, write: Callable[[list[T]], Awaitable[list[R | BaseException]]], max_batch: int = 64) -> None:
        self._write = write
        self._max = max_batch
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[T]] = weakref.WeakKeyDictionary()
        self.batches = 0  # counters for tests and the benchmark report
        self.items = 0
        self.alone = 0  # items the batch sent down the one-at-a-time path

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        q = self._queues.get(loop)
        if q is None:
            q = self._queues[loop] = _Queue()
        fut: asyncio.Future[R] = loop.create_future()
        q.items.append((item, fut))
        if q.task is None or q.task.done():
            q.task = loop.create_task(self._drain(q))
        return await fut

    async def _drain(self, q: _Queue[T]) -> None:
        while q.items:
            # A caller that gave up before its batch began is not written at all, as a single request
            # cancelled before its transaction; one that gives up during the write still is.
            q.items = [(item, fut) for item, fut in q.items if not fut.done()]
            if not q.items:
                break
            batch, q.items = q.items[: self._max], q.items[self._max :]
            self.batches += 1
            self.items += len(batch)
            try:
                results: list[Any] = list(await self._write([item for item, _ in batch]))
            except asyncio.CancelledError:
                for _, fut in batch + q.items:
                    if not fut.done():
                        fut.set_exception(Alone("the batch writer was stopped"))
                q.items = []
                raise
            except Exception:  # unexpected: let each caller find its own outcome alone
                results = [Alone("the batch failed as a whole")] * len(batch)
            for (_, fut), result in zip(batch, results, strict=True):
                self.alone += isinstance(result, Alone)
                if fut.done():  # the caller gave up waiting (client gone); its work stands
                    continue
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)
