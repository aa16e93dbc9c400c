"""Interval bounds and local times across DST changes (America/New_York ends DST on 2026-11-01)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rewardkit.reports.errors import IntervalBeyondData, IntervalTooLong, InvalidInterval, UnknownTimezone
from rewardkit.reports.timeframe import bound, interval, local_iso, month_bounds, zone

NY = zone("America/New_York")


def test_dates_are_local_midnights_across_a_dst_change() -> None:
    assert bound("2026-11-01", NY, "s") == datetime(2026, 11, 1, 4, tzinfo=UTC)  # EDT, -04:00
    assert bound("2026-11-02", NY, "s") == datetime(2026, 11, 2, 5, tzinfo=UTC)  # EST, -05:00
    assert bound("2026-11-01T12:00:00+09:00", NY, "s") == datetime(2026, 11, 1, 3, tzinfo=UTC)  # offset wins
    assert bound(0, NY, "s") == datetime(1970, 1, 1, tzinfo=UTC)
    start, end = month_bounds("2026-11", NY)
    assert (end - start).total_seconds() == 30 * 86400 + 3600  # November is an hour longer there


def test_local_times_carry_the_offset_of_their_instant() -> None:
    assert local_iso(datetime(2026, 10, 31, 12, tzinfo=UTC), NY).endswith("-04:00")
    assert local_iso(datetime(2026, 11, 2, 12, tzinfo=UTC), NY).endswith("-05:00")
    assert local_iso(datetime(2026, 11, 2, 12, tzinfo=UTC), zone("Asia/Kolkata")).endswith("+05:30")


def test_bad_bounds() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidInterval):
        interval("2026-11-02", "2026-11-01", NY, now)
    with pytest.raises(IntervalTooLong):
        interval("2025-01-01", "2026-11-01", NY, now)
    with pytest.raises(IntervalBeyondData):
        interval("2026-11-01", "2026-12-02", NY, now)
    for name in ("Nowhere/City", "", "../etc/localtime", "/usr/share/zoneinfo/UTC", "localtime", "posixrules"):
        with pytest.raises(UnknownTimezone):
            zone(name)
