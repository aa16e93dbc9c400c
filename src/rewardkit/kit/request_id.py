"""Request-Id: one id per HTTP request, on its response, in its problem body and on its log lines.

`RequestId` is the outermost ASGI middleware (`install` wraps the whole middleware stack, Starlette's
ServerErrorMiddleware included, so a 500 carries the header too). A client's own `Request-Id` is kept
when it is sane (1-200 characters of `A-Za-z0-9._-`), so a caller can follow one id through its
systems and ours; anything else is ignored and a fresh `req_…` id is made. The id, the start time and
the response status live in a context variable for the duration of the request: the problem+json
renderer (kit/http.py) and the log processors (kit/logs.py) read it from there.

Pure ASGI on purpose: BaseHTTPMiddleware costs a task and a stream per request on the order path.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Request-Id"
_HEADER_KEY = b"request-id"
_SANE = re.compile(rb"[A-Za-z0-9._-]{1,200}")


@dataclass(slots=True)
class RequestContext:
    id: str
    started: float  # time.perf_counter() when the request arrived


# A context variable, not process state: each request's task sees its own value.
CURRENT: ContextVar[RequestContext | None] = ContextVar("rewardkit_request", default=None)

# observe(scope, status, seconds) after each request (kit/metrics.py); None: no metrics.
Observer = Callable[[Scope, int, float], None]


def current_request_id() -> str | None:
    ctx = CURRENT.get()
    return ctx.id if ctx is not None else None


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def accepted_id(value: bytes) -> str | None:
    """The client's id if it is one we can echo safely (no header injection, bounded size), else None."""
    return value.decode("ascii") if _SANE.fullmatch(value) else None


class RequestId:
    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid: str | None = None
        for key, value in scope["headers"]:
            if key == _HEADER_KEY:
                rid = accepted_id(value)
                break
        if rid is None:
            rid = new_request_id()
        raw = rid.encode("ascii")
        started = time.perf_counter()
        token = CURRENT.set(RequestContext(rid, started))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (_HEADER_KEY, raw)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CURRENT.reset(token)
            if self.observe is not None:
                self.observe(scope, status, time.perf_counter() - started)


def install(app: Starlette, observe: Observer | None = None) -> None:
    """Make RequestId the outermost layer of `app`: around Starlette's ServerErrorMiddleware, which
    renders 500s outside every middleware `add_middleware` adds."""
    build = app.build_middleware_stack

    def build_with_request_id() -> ASGIApp:
        return RequestId(build(), observe)

    app.build_middleware_stack = build_with_request_id  # type: ignore[method-assign]
