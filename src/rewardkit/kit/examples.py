"""Pieces every domain's OpenAPI examples share."""

from __future__ import annotations

from typing import Any

MONEY: dict[str, Any] = {"currency": "USD", "minor_units": 5000, "value": "50.00"}
# Lists are wrapped in the list envelope.
LIST: dict[str, Any] = {"object": "list", "has_more": False, "next_cursor": None}
