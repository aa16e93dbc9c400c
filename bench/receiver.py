"""A webhook receiver on loopback (after tests/webhooks/receiver.py): answers 200 at once and records
each arrival's wall-clock time and body, for deliveries/s and event-to-receipt latency."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn

from bench.common import free_port


@dataclass
class Arrival:
    at: float  # time.time() when the request was read
    path: str
    event_id: str
    type: str
    created_at: float  # the event's created_at, as a Unix time


@dataclass
class Receiver:
    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    bad: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        now = time.time()
        try:
            data = orjson.loads(body)
            created = _unix(data["created_at"])
            self.arrivals.append(Arrival(now, scope["path"], str(data["id"]), str(data["type"]), created))
        except (ValueError, KeyError, TypeError):
            self.bad += 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


def _unix(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Running:
    """`async with Running(Receiver()) as r:` serves it on a free loopback port in this event loop."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        receiver.port = free_port()
        config = uvicorn.Config(
            receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Receiver:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        return self.receiver

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task:
            await self.task
