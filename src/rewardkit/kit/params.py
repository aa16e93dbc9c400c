"""Query parameter helpers shared by list endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

from rewardkit.kit.errors import ValidationFailed


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
