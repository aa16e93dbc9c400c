"""What reaches a log: never a secret from a request.

* Paths that carry a bearer token (the voucher page `/v/{token}` today, claim and storefront links
  next: each module declares its prefixes as `token_paths`) are written with the token replaced by
  `[redacted]`, in uvicorn's access log and in ours (`redact_path`, `RedactTokenPaths`).
* An unexpected exception is logged by its type and its frames (`safe_traceback`), never its
  message: a database error's message can hold the statement's parameters, another's a request's
  data. The engine also hides parameters from SQLAlchemy's messages (kit/db.py).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

REDACTED = "[redacted]"
# The loggers whose records name request paths: uvicorn's access log and our own (kit/http.py).
PATH_LOGGERS = ("uvicorn.access", "rewardkit")


def redact_path(path: str, prefixes: Iterable[str]) -> str:
    """`/v/AbC…?x=1` -> `/v/[redacted]`: the segment after a token prefix, and any query string, go."""
    for prefix in prefixes:
        if path.startswith(prefix):
            rest = path[len(prefix) :].split("?", 1)[0]
            _token, sep, tail = rest.partition("/")
            return f"{prefix}{REDACTED}{sep}{tail}"
    return path


class RedactTokenPaths(logging.Filter):
    """Rewrites every string argument of a record that is a token-bearing path (uvicorn's access log
    passes the path as an argument: `%s - "%s %s HTTP/%s" %d`)."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__()
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.prefixes and isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(a, self.prefixes) if isinstance(a, str) and a.startswith(self.prefixes) else a
                for a in record.args
            )
        return True


def install_redaction(prefixes: Iterable[str]) -> None:
    """Put one RedactTokenPaths on each path logger (replacing one an earlier create_app put there)."""
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
