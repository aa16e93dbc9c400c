"""Cursor pagination: opaque cursors over a unique, ordered key (ids are time-sortable)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from rewardkit.kit.errors import Problem

# Every list operation takes these two query parameters, with the same bounds (docs/api.md, Pagination).
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"At most this many items (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT})")
]
Cursor = Annotated[str | None, Query(max_length=300, description="The next_cursor of the previous page")]


class InvalidCursor(Problem):
    status, code, title = 400, "invalid_cursor", "The cursor is not valid"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


_UNCHANGED = "Pass back the next_cursor of a previous page, unchanged."
MAX_BIGINT = 2**63 - 1  # the largest key a BIGINT column holds, on PostgreSQL and SQLite alike


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor carries, or a 400 `invalid_cursor`. Every key we encode is an id or a slug, so
    anything but printable ASCII up to 200 characters is not ours, and never reaches a query."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(_UNCHANGED) from exc
    if not raw or len(raw) > 200 or not raw.isascii() or not raw.isprintable():
        raise InvalidCursor(_UNCHANGED)
    return raw


def decode_int_cursor(cursor: str | None) -> int | None:
    """decode_cursor for an integer key (a BIGINT id): digits only, 1 to 2^63 - 1. A forged cursor out
    of that range would otherwise fail inside the database (and its value reach the server's log)."""
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 19 or not 0 < int(raw) <= MAX_BIGINT:
        raise InvalidCursor(_UNCHANGED)
    return int(raw)


class Page(BaseModel):
    object: str = "list"
    data: list[Any]
    has_more: bool
    next_cursor: str | None


def page(rows: list[Any], limit: int, key: Any, render: Any) -> dict[str, Any]:
    """rows were fetched with limit + 1 to learn whether there is more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {
        "object": "list",
        "data": [render(r) for r in rows],
        "has_more": has_more,
        "next_cursor": encode_cursor(key(rows[-1])) if has_more and rows else None,
    }


def page_in_memory(
    items: Sequence[Any], cursor: str | None, limit: int, key: Callable[[Any], str], render: Any = None
) -> dict[str, Any]:
    """A page of a short list read whole (countries, categories, balances), sorted by `key` (unique):
    the items after the cursor's key. Same shape and cursors as `page`."""
    after = decode_cursor(cursor)
    ordered = sorted(items, key=key)
    rows = [i for i in ordered if after is None or key(i) > after][: limit + 1]
    return page(rows, limit, key=key, render=render or (lambda i: i))
