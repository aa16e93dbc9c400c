"""A real HTTP receiver on loopback for webhook tests: records what arrives, answers as told."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`script` maps a path to a list of (status, headers, delay) answers, used in turn; the last repeats.
    `status_for`, when set, may answer a request by what it carries instead (None: the script's answer)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[tuple[int, dict[str, str], float]]] = field(default_factory=dict)
    status_for: Callable[[Received], int | None] | None = None

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        got = Received(scope["path"], headers, body)
        self.received.append(got)
        answers = self.script.get(scope["path"], [(200, {}, 0.0)])
        status, extra, delay = answers.pop(0) if len(answers) > 1 else answers[0]
        override = self.status_for(got) if self.status_for is not None else None
        status = override if override is not None else status
        if delay:
            await asyncio.sleep(delay)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in {"content-type": "text/plain", **extra}.items()],
            }
        )
        await send({"type": "http.response.body", "body": f"ok {status}".encode()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        receiver.port = free_port()
        config = uvicorn.Config(receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Receiver:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.01)
        return self.receiver

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task:
            await self.task
