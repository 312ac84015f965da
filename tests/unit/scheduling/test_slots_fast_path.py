"""The slot engine's per-day fixed-offset fast path gives exactly what the zone look-ups give.

``slots._fixed_offset`` lets a day without a clock change convert wall times by one
subtraction. Its correctness rests on a fact about the time-zone database (no zone changes its
UTC offset twice within 24 hours), checked here against the installed database, and the
fast and the general conversion are compared candidate by candidate on every day of 2026 in
zones with unusual rules.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from zoneinfo import _zoneinfo as pure_zoneinfo  # the pure-Python reader exposes transitions

from booking_app.scheduling import slots
from booking_app.scheduling.slots import MIDNIGHT

ZONES = [
    "Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata",
    "America/Sao_Paulo", "Pacific/Apia", "America/Santiago", "Asia/Gaza", "Africa/Casablanca", "UTC",
]


def test_no_zone_changes_its_offset_twice_within_a_day() -> None:
    closest: tuple[float, str] = (float("inf"), "")
    for name in zoneinfo.available_timezones():
        try:
            zone = pure_zoneinfo.ZoneInfo.no_cache(name)
        except (OSError, ValueError):
            continue
        offset = zone._tti_before.utcoff if zone._tti_before else None
        previous_change = None
        for instant, info in zip(zone._trans_utc, zone._ttinfos, strict=False):
            if info.utcoff == offset:
                continue
            if previous_change is not None:
                closest = min(closest, (instant - previous_change, name))
            previous_change, offset = instant, info.utcoff
    assert closest[0] > 25 * 3600, f"{closest[1]} changes its offset twice within {closest[0] / 3600:.1f} h"


@pytest.mark.parametrize("name", ZONES)
def test_fast_path_matches_zone_lookups_every_day(name: str) -> None:
    zone = ZoneInfo(name)
    windows = [(time(0, 0), MIDNIGHT), (time(1, 30), time(3, 15)), (time(22, 0), MIDNIGHT), (time(23, 45), MIDNIGHT)]
    fast_days = 0
    days = [date(2011, 12, 25) + timedelta(days=n) for n in range(14)]  # Apia skipped 2011-12-30
    days += [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    for day in days:
        offset = slots._fixed_offset(datetime.combine(day, MIDNIGHT), zone)
        if offset is None:
            continue
        fast_days += 1
        for w_start, w_end in windows:
            for duration, interval in ((timedelta(minutes=30), timedelta(minutes=15)), (timedelta(hours=2), timedelta(hours=1))):
                general = list(slots._window_candidates(day, w_start, w_end, zone, duration, interval))
                fast = list(slots._window_candidates(day, w_start, w_end, zone, duration, interval, offset))
                assert fast == general, (name, day, w_start, w_end, duration)
                assert all(s.tzinfo is UTC for s in fast)
    assert fast_days >= 300  # most days have no clock change


def test_days_with_a_clock_change_take_the_general_path() -> None:
    london = ZoneInfo("Europe/London")
    assert slots._fixed_offset(datetime(2026, 3, 29), london) is None  # spring forward at 01:00
    assert slots._fixed_offset(datetime(2026, 10, 25), london) is None  # fall back at 02:00
    assert slots._fixed_offset(datetime(2026, 3, 28), london) == timedelta(0)
    assert slots._fixed_offset(datetime(2026, 3, 30), london) == timedelta(hours=1)
    # Midnight itself skipped (Santiago springs forward at 24:00 → 01:00).
    assert slots._fixed_offset(datetime(2026, 9, 6), ZoneInfo("America/Santiago")) is None
