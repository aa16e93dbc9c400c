"""Interval bounds and time zones (docs/reports.md#intervals): `interval_start` inclusive,
`interval_end` exclusive, each an aware ISO 8601 datetime, a naive one or a date (read in the run's
`timezone`), or Unix seconds; stored and compared in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rewardkit.reports.errors import IntervalBeyondData, IntervalTooLong, InvalidInterval, InvalidMonth, UnknownTimezone

MAX_SPAN = timedelta(days=366)  # a year, leap or not
_NOT_IANA = frozenset({"localtime", "posixrules", "posix/localtime", "right/localtime"})


def zone(name: str) -> ZoneInfo:
    # ZoneInfo also accepts file paths relative to the tz database; an IANA key never has "..", a
    # leading "/" or a backslash, so those are refused before the lookup.
    # `localtime` and `posixrules` are files of the system's tz directory, not IANA keys: `localtime` is
    # the host's own zone, so a report's local times would depend on where the server runs.
    if not name or len(name) > 64 or ".." in name or name.startswith("/") or "\\" in name or name in _NOT_IANA:
        raise UnknownTimezone(f"{name!r} is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimezone(
            f"{name!r} is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)."
        ) from None


def bound(value: int | str, tz: ZoneInfo, field: str) -> datetime:
    """One bound in UTC. A date is its midnight in tz; a naive datetime is a wall time in tz (a wall time
    that a DST change skips or repeats resolves as zoneinfo does: fold=0)."""
    if isinstance(value, int):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInterval(f"{field} is out of range.", errors=[{"field": field}]) from None
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            parsed = datetime(d.year, d.month, d.day)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInterval(
            f"{field} is not an ISO 8601 date or datetime (2026-03-01, 2026-03-01T00:00:00-05:00) or Unix seconds.",
            errors=[{"field": field}],
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInterval(f"{field} is out of range.", errors=[{"field": field}]) from None


def interval(start: int | str, end: int | str, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    s, e = bound(start, tz, "interval_start"), bound(end, tz, "interval_end")
    if e <= s:
        raise InvalidInterval("interval_end must be after interval_start.", errors=[{"field": "interval_end"}])
    if e - s > MAX_SPAN:
        raise IntervalTooLong(f"At most {MAX_SPAN.days} days per run.", errors=[{"field": "interval_end"}])
    if e > now:
        raise IntervalBeyondData(
            f"interval_end is after the data available ({now.isoformat()}).",
            errors=[{"field": "interval_end"}],
            data_available_end=now.isoformat(),
        )
    return s, e


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next) in tz, in UTC."""
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError
        year, mon = int(month[:4]), int(month[5:])
        first = datetime(year, mon, 1, tzinfo=tz)
        nxt = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
        # Year 1 east of UTC (or 9999 west of it) has no UTC instant: not a month we can state.
        return first.astimezone(UTC), nxt.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidMonth("month is YYYY-MM, e.g. 2026-03.", errors=[{"field": "month"}]) from None


def utc_iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_iso(t: datetime, tz: ZoneInfo) -> str:
    return t.astimezone(tz).isoformat(timespec="milliseconds")
