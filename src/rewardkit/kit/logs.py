"""What reaches a log: never a secret from a request.

* Paths that carry a bearer token (the voucher page `/v/{token}` today, claim and storefront links
  next: each module declares its prefixes as `token_paths`) are written with the token replaced by
  `[redacted]`, in uvicorn's access log and in ours (`redact_path`, `RedactTokenPaths`).
* An unexpected exception is logged by its type and its frames (`safe_traceback`), never its
  message: a database error's message can hold the statement's parameters, another's a request's
  data. The engine also hides parameters from SQLAlchemy's messages (kit/db.py). `configure_logging`
  applies that to every record with an exception, uvicorn's own included.
* `configure_logging` sends every logger (ours, uvicorn's, libraries') through one structlog
  ProcessorFormatter on stderr: one JSON object per line (`timestamp`, `level`, `logger`, `event`,
  `request_id` inside a request, `job_id`/`job_kind` inside a job), or a console line. uvicorn's
  access line becomes `event: "request"` with `method`, `path` (redacted, without its query string),
  `status`, `duration_ms`.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Iterable
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from rewardkit.kit.request_id import CURRENT

REDACTED = "[redacted]"
# The loggers whose records name request paths: uvicorn's access log and our own (kit/http.py).
PATH_LOGGERS = ("uvicorn.access", "rewardkit")


# The token prefixes the last install_redaction was given: problem bodies' `instance` (kit/http.py)
# redacts with the same list, so a customer who logs error bodies never logs a link's credential.
_INSTALLED: tuple[str, ...] = ()


def redact_path(path: str, prefixes: Iterable[str]) -> str:
    """`/v/AbC…?x=1` -> `/v/[redacted]`: the segment after a token prefix, and any query string, go."""
    for prefix in prefixes:
        if "{" in prefix:  # a `{name}` segment matches any one segment: /s/{slug}/enter/ (#15)
            prefix = _expand(prefix, path)
        if prefix and path.startswith(prefix):
            rest = path[len(prefix) :].split("?", 1)[0]
            _token, sep, tail = rest.partition("/")
            return f"{prefix}{REDACTED}{sep}{tail}"
    return path


def _expand(pattern: str, path: str) -> str:
    """The concrete prefix of `path` that `pattern` (with `{name}` segments) matches, or ""."""
    want, have = pattern.split("/"), path.split("?", 1)[0].split("/")
    if len(have) < len(want):
        return ""
    for w, h in zip(want[:-1], have, strict=False):
        if not (w == h or (w.startswith("{") and w.endswith("}") and h)):
            return ""
    return "/".join(have[: len(want) - 1]) + "/" + want[-1] if want[-1] == "" else ""


def redact_public_path(path: str) -> str:
    """`redact_path` with the installed prefixes: for what a response echoes (a problem's `instance`)."""
    return redact_path(path, _INSTALLED)


class RedactTokenPaths(logging.Filter):
    """Rewrites every string argument of a record that is a token-bearing path (uvicorn's access log
    passes the path as an argument: `%s - "%s %s HTTP/%s" %d`)."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__()
        self.prefixes = tuple(prefixes)
        # What a matching path starts with: a prefix up to its first `{name}` segment.
        self._starts = tuple(p.split("{", 1)[0] for p in self.prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.prefixes and isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(a, self.prefixes) if isinstance(a, str) and a.startswith(self._starts) else a
                for a in record.args
            )
        return True


def install_redaction(prefixes: Iterable[str]) -> None:
    """Put one RedactTokenPaths on each path logger (replacing one an earlier create_app put there)."""
    global _INSTALLED
    _INSTALLED = tuple(prefixes)
    prefixes = _INSTALLED
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactTokenPaths)]:
            logger.removeFilter(old)
        logger.addFilter(RedactTokenPaths(prefixes))


def safe_traceback(exc: BaseException) -> str:
    """Where an exception came from, without what it said: each exception of the chain by type, with
    its frames (file, line, function, source line)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n{frames}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts).rstrip()


# --- structured logs ------------------------------------------------------------------------------


def _add_request(_logger: WrappedLogger, _name: str, ed: EventDict) -> EventDict:
    ctx = CURRENT.get()
    if ctx is not None:
        ed.setdefault("request_id", ctx.id)
    return ed


def _access_fields(_logger: WrappedLogger, _name: str, ed: EventDict) -> EventDict:
    """uvicorn's access record (`%s - "%s %s HTTP/%s" %d`, args already redacted by RedactTokenPaths)
    as fields. It is written when the response starts, so duration_ms is the time to the first byte."""
    args = ed.pop("positional_args", None)
    record = ed.get("_record")
    if record is None or record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) != 5:
        return ed
    client, method, path, http_version, status = args
    # Without the query string: its values are the client's (an email, a token pasted into a URL).
    path = str(path).split("?", 1)[0]
    ed.update(event="request", method=method, path=path, status=status, http_version=http_version, client=client)
    ctx = CURRENT.get()
    if ctx is not None:
        ed["duration_ms"] = round((time.perf_counter() - ctx.started) * 1000, 3)
    return ed


def _safe_exception(_logger: WrappedLogger, _name: str, ed: EventDict) -> EventDict:
    """An exception as safe_traceback renders it (types and frames, no message), whoever logged it:
    structlog's and logging's own renderers would print the message."""
    info = ed.pop("exc_info", None)
    if info is True:
        info = sys.exc_info()
    if isinstance(info, BaseException):
        ed["exception"] = safe_traceback(info)
    elif isinstance(info, tuple) and len(info) == 3 and isinstance(info[1], BaseException):
        ed["exception"] = safe_traceback(info[1])
    ed.pop("stack_info", None)
    return ed


def _dumps(obj: Any, **_kw: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it and leaves other handlers (pytest's caplog) alone."""


def configure_logging(fmt: str = "json", level: str = "info", token_prefixes: Iterable[str] = ()) -> None:
    """Every log record of the process through structlog, on stderr: see the module docstring.
    Idempotent: a second call (create_app after the CLI) replaces the first."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,  # job_id / job_kind bound by the worker
        _add_request,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _access_fields],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _safe_exception, renderer],
        pass_foreign_args=True,
    )
    handler = _Handler(sys.stderr)
    handler.setFormatter(formatter)
    prefixes = tuple(token_prefixes)
    handler.addFilter(RedactTokenPaths(prefixes))  # every logger's records, not only PATH_LOGGERS'
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # The level is ours and uvicorn's; other libraries stay at WARNING: their DEBUG lines can hold SQL
    # parameters (aiosqlite) or request details we never want in a log.
    root.setLevel(logging.WARNING)
    logging.getLogger("rewardkit").setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own dictConfig gives these handlers of their own and stops propagation.
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
        uv.setLevel(level.upper())
    install_redaction(prefixes)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
