"""Request plumbing shared by every route: problem+json rendering, body limits, API versions."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewardkit.kit import versioning
from rewardkit.kit.errors import (
    PROBLEM_JSON,
    InternalError,
    MalformedJSON,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from rewardkit.kit.logs import redact_public_path, safe_traceback
from rewardkit.kit.request_id import current_request_id

log = logging.getLogger("rewardkit")


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or `application/<something>+json`, in any case, with any parameters: exactly
    what FastAPI parses as JSON, so that every other body is a 415 here, never a 422 about its shape."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def problem_response(problem: Problem, request: Request | None = None) -> Response:
    # A token in the path (a claim link) is a credential: echo the path as the logs write it.
    instance = redact_public_path(request.url.path) if request is not None else None
    headers = dict(problem.headers)
    body = problem.to_dict(instance)
    # The same id as the Request-Id header (kit/request_id.py), so a pasted error body finds its logs.
    rid = current_request_id()
    if rid is not None:
        body["request_id"] = rid
    return Response(
        orjson.dumps(body),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(exc: RequestValidationError) -> tuple[list[dict[str, Any]], bool]:
    errors, malformed = [], False
    for e in exc.errors():
        if e.get("type") in {"json_invalid", "json_type"}:
            malformed = True
        loc = [str(x) for x in e.get("loc", ())]
        where = loc[0] if loc else "body"
        path = loc[1:] if where in {"body", "query", "path", "header"} else loc
        errors.append(
            {
                "field": ".".join(path) or where,
                "pointer": "/" + "/".join(path) if where == "body" else None,
                "in": where,
                "message": e.get("msg", "invalid"),
                "code": e.get("type", "invalid"),
            }
        )
    return errors, malformed


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors, malformed = _field_errors(exc)
        if malformed:
            return problem_response(MalformedJSON("Send a JSON object; the body could not be parsed."), request)
        if any(e["in"] == "body" and e["field"] == "" for e in errors):
            return problem_response(ValidationFailed("The body must be a JSON object.", errors=errors), request)
        return problem_response(ValidationFailed(f"{len(errors)} field(s) are invalid.", errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, Problem):  # e.g. the body limit, raised while FastAPI read the body
            return problem_response(exc.__cause__, request)
        if exc.status_code == 404:
            p: Problem = NotFound(f"No route {request.method} {redact_public_path(request.url.path)}.")
        elif exc.status_code == 405:
            allowed = [
                m
                for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
                if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in request.app.router.routes)
            ]
            where = redact_public_path(request.url.path)
            p = MethodNotAllowed(f"{request.method} is not allowed on {where}.", headers={"Allow": ", ".join(allowed)})
        elif exc.status_code == 400:
            p = MalformedJSON("The body could not be read as UTF-8 JSON.")
        else:
            p = Problem(str(exc.detail))
            p.status = exc.status_code  # type: ignore[misc]
        return problem_response(p, request)

    @app.exception_handler(ConnectionError)  # asyncpg raises the socket's own error when PostgreSQL is down
    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(sa_exc.DBAPIError)
    async def _database(request: Request, exc: Exception) -> Response:
        # The database is away, full (too many connections) or the pool is exhausted: our problem, not
        # the client's, and a retry may well work. Other database errors are bugs: a 500 as below.
        if isinstance(exc, sa_exc.DBAPIError) and not _is_unavailable(exc):
            return await _unexpected(request, exc)
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        problem = ServiceUnavailable(
            "The database is not available right now; retry in a moment.", headers={"Retry-After": "1"}
        )
        return problem_response(problem, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The type, the place and the frames only: an exception's message may carry request data, and a
        # token-bearing path is redacted by the logger's filter (kit/logs.py).
        where = (request.method, request.url.path)
        log.error("unhandled %s on %s %s\n%s", type(exc).__name__, *where, safe_traceback(exc))
        return problem_response(InternalError("Something went wrong on our side; it has been logged."), request)


def _is_unavailable(exc: sa_exc.DBAPIError) -> bool:
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or exc.connection_invalidated:
        return True
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(s in text for s in ("too many", "connection", "cannotconnectnow", "shutdown"))


class RequestGuard:
    """Pure ASGI middleware: caps request bodies, requires JSON on /v1 writes, and resolves the
    Rewardkit-Version header before any route runs (and echoes it on every /v1 response)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        limits: Mapping[str, int] | None = None,
        media_types: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.app = app
        # Per path (Module.body_media_types): the media types its writes take instead of JSON.
        self.media_types = [
            (_template(path), tuple(t.lower() for t in types)) for path, types in (media_types or {}).items()
        ]
        self.max_body = max_body
        # Per exact path (Module.body_limits): never below the global cap.
        self.limits = {path: max(n, max_body) for path, n in (limits or {}).items()}
        # A path with {name} segments (a batch under a parent id: /v1/points_programs/{program_id}/credits/batch)
        # matches any one segment there.
        self.templates = [(_template(path), n) for path, n in self.limits.items() if "{" in path]

    def _media_types(self, path: str) -> tuple[str, ...] | None:
        for pattern, types in self.media_types:
            if pattern.match(path):
                return types
        return None

    def _limit(self, path: str) -> int:
        exact = self.limits.get(path)
        if exact is not None:
            return exact
        for pattern, n in self.templates:
            if pattern.match(path):
                return n
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request = Request(scope)
        try:
            requested = headers.get(versioning.HEADER.lower())
            state = scope.setdefault("state", {})
            state[versioning.STATE_KEY] = versioning.resolve(requested)
            # Without the header, auth puts the calling key's pinned version in its place.
            state[versioning.REQUESTED_KEY] = bool(requested)
            # PostgreSQL cannot store NUL in text; refuse it at the door rather than fail deep down.
            if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
                raise MalformedRequest("NUL characters are not allowed in URLs.")
            length = headers.get("content-length")
            max_body = self._limit(scope.get("path", ""))
            if length is not None and (not length.isdigit() or int(length) > max_body):
                raise PayloadTooLarge(f"Bodies are limited to {max_body} bytes.")
            if scope["method"] in {"POST", "PATCH", "PUT"} and scope["path"].startswith("/v1/"):
                ctype = headers.get("content-type", "")
                has_body = length not in (None, "0") or "transfer-encoding" in headers
                accepted = self._media_types(scope["path"])
                if accepted is not None:
                    if has_body and ctype.split(";", 1)[0].strip().lower() not in accepted:
                        raise UnsupportedMediaType(
                            f"Got Content-Type {ctype or 'none'!r}; use {' or '.join(accepted)}."
                        )
                elif has_body and not is_json_media_type(ctype):
                    raise UnsupportedMediaType(f"Got Content-Type {ctype or 'none'!r}; use application/json.")
        except Problem as p:
            version_ok = scope.get("state", {}).get(versioning.STATE_KEY)
            if version_ok and scope["path"].startswith("/v1/"):
                p.headers = {**p.headers, versioning.HEADER: version_ok}
            await problem_response(p, request)(scope, receive, send)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise _BodyTooLarge(f"Bodies are limited to {max_body} bytes.")
            return message

        echo = scope["path"].startswith("/v1/")
        started = False

        async def send_with_version(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if echo:
                    # Read at the answer, not at the door: auth may have replaced it by the key's pin.
                    version = scope["state"].get(versioning.STATE_KEY, versioning.LATEST)
                    message.setdefault("headers", [])
                    message["headers"] = list(message["headers"]) + [(versioning.HEADER.encode(), version.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_version)
        except _BodyTooLarge as exc:
            if not started:
                await problem_response(exc, request)(scope, receive, send_with_version)


def _template(path: str) -> re.Pattern[str]:
    """A path whose `{name}` segments match any one segment."""
    return re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path)) + "$")


class _BodyTooLarge(PayloadTooLarge):
    pass


class MalformedRequest(MalformedJSON):
    code = "malformed_request"
    title = "The request is malformed"


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def loads_strict(body: bytes) -> Any:
    """JSON as the API reads every body: a number with a fraction or an exponent becomes an exact
    Decimal (never a float that rounds 50.00000000000000000000000000000001 to 50), and NaN or
    Infinity, which are not JSON, are malformed."""
    return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            value = loads_strict(await self.body())
            # A bare number as the whole body is never one of our (object) bodies, but as a Decimal it
            # is an object to FastAPI's from_attributes validation, which read `1.5` as a model whose
            # fields are all optional (PATCH /v1/branding answered 200). As a float it is a 422.
            self._json = float(value) if isinstance(value, Decimal) else value
        return self._json


_EXTRA = "extra_forbidden"  # pydantic's code for an unknown body field: the same for the query


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class StrictJSONRoute(APIRoute):
    """Every /v1 route: its body is read by loads_strict (FastAPI turns a JSONDecodeError into our
    400 malformed_json), and a query parameter it does not declare is a 422, as an unknown body field
    is (a typo such as `?limt=5` would otherwise be silently ignored). Routers are made with
    `APIRouter(route_class=StrictJSONRoute)`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)

        async def strict(request: Request) -> Response:
            unknown = [name for name in request.query_params if name not in known]
            if unknown:
                raise ValidationFailed(
                    f"Unknown query parameter(s): {', '.join(repr(n) for n in unknown)}.",
                    errors=[
                        {"field": n, "pointer": None, "in": "query", "message": "unknown parameter", "code": _EXTRA}
                        for n in unknown
                    ],
                )
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict
