"""Cursor pagination: opaque cursors over a unique, ordered key (ids are time-sortable)."""

from __future__ import annotations

import base64
from typing import Any

from pydantic import BaseModel

from rewardkit.kit.errors import Problem


class InvalidCursor(Problem):
    status, code, title = 400, "invalid_cursor", "The cursor is not valid"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("Pass back the next_cursor of a previous page, unchanged.") from exc
    if not raw or len(raw) > 200 or "\x00" in raw:
        raise InvalidCursor("Pass back the next_cursor of a previous page, unchanged.")
    return raw


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
