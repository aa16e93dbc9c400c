"""Query parameter helpers shared by list endpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

from rewardkit.kit.errors import ValidationFailed

_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_8601(v: Any) -> Any:
    # pydantic also reads "1700000000" or "0.5" as Unix timestamps and "2026-11-01" as midnight; the
    # description promises an RFC 3339 date-time (OpenAPI `format: date-time`), so only that is taken.
    if isinstance(v, str) and not _DATE_TIME.match(v):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z")
    return v


# A timestamp query parameter: an ISO 8601 / RFC 3339 date-time, nothing else.
DateTimeParam = Annotated[datetime, BeforeValidator(_iso_8601)]


def utc(value: datetime | None, field: str) -> datetime | None:
    """A timestamp filter in UTC (naive means UTC). Dates that leave the calendar once converted
    (9999-12-31T23:59-01:00) are a 422 for that field, not an overflow deep in the database layer."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed(
            errors=[{"field": field, "in": "query", "message": "out of range once converted to UTC", "code": "range"}]
        ) from None
