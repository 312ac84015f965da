"""Table-driven examples for the pure slot engine (``booking_app.scheduling.slots``).

Every case states its expected slots as local wall-clock strings ("YYYY-MM-DD HH:MM" in the
builder's zone). Where the UTC instant matters (DST changes, half-hour offsets, fold hours),
a case also pins individual UTC instants (``utc``) and/or the UTC offset of every slot on a
local date (``offsets``).

The expectations are written from the engine's contract, not from its output:

* windows are local ``[start, end)``; ``end == 00:00`` is the midnight ending the day;
* candidates sit on a grid of whole intervals since local midnight, and the session's real end
  (start + duration in elapsed time) must not pass the window's end;
* non-existent local starts (spring-forward gap) are skipped; ambiguous ones (fall-back) are
  offered once, at the first occurrence; window ends in a gap resolve with the pre-transition
  offset, ambiguous window ends with the first occurrence;
* a slot is free when ``[s - buffer_before, s + duration + buffer_after)`` overlaps no busy
  interval (half-open, touching is fine);
* ``s >= now + minimum_notice``, ``s < now + horizon``, ``start <= s < end``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking_app.scheduling.slots import WeeklyWindow, compute_slots

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)

NY = "America/New_York"
LONDON = "Europe/London"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"
LORD_HOWE = "Australia/Lord_Howe"

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def local(tz: str, text: str) -> datetime:
    """UTC instant of the local wall time ``text`` (first occurrence if ambiguous).

    A ``text`` ending in ``Z`` is already UTC.
    """
    if text.endswith("Z"):
        return utc(text)
    wall = datetime.strptime(text, "%Y-%m-%d %H:%M")
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def utc(text: str) -> datetime:
    """Parse ``"YYYY-MM-DD HH:MMZ"`` as an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%MZ").replace(tzinfo=UTC)


def as_local(slots: list[datetime], tz: str) -> list[str]:
    zone = ZoneInfo(tz)
    return [s.astimezone(zone).strftime("%Y-%m-%d %H:%M") for s in slots]


def as_utc(slot: datetime) -> str:
    return slot.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def offset_text(slot: datetime, tz: str) -> str:
    """The UTC offset in force at ``slot`` in ``tz``, as ``"+HH:MM"``."""
    return slot.astimezone(ZoneInfo(tz)).isoformat()[-6:]


def grid(day: str, first: str, last: str, step: int = 60) -> list[str]:
    """Local wall-clock strings ``day first``, ``first + step`` ... up to ``last`` inclusive."""
    t = datetime.strptime(f"{day} {first}", "%Y-%m-%d %H:%M")
    stop = datetime.strptime(f"{day} {last}", "%Y-%m-%d %H:%M")
    out = []
    while t <= stop:
        out.append(t.strftime("%Y-%m-%d %H:%M"))
        t += timedelta(minutes=step)
    return out


def days(first: str, last: str) -> list[str]:
    d, stop = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= stop:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def each_day(day_list: list[str], first: str, last: str, step: int = 60) -> list[str]:
    return [s for d in day_list for s in grid(d, first, last, step)]


def weekly(*specs: tuple[int, str, str]) -> tuple[WeeklyWindow, ...]:
    return tuple(
        WeeklyWindow(day, time.fromisoformat(a), time.fromisoformat(b)) for day, a, b in specs
    )


MON_FRI_9_17 = weekly(*((d, "09:00", "17:00") for d in range(5)))


@dataclass(frozen=True)
class Case:
    id: str
    tz: str
    weekly: tuple[WeeklyWindow, ...]
    start: str  # local wall time (or "...Z" for UTC), query start (inclusive)
    end: str  # local wall time (or "...Z" for UTC), query end (exclusive)
    expected: list[str]  # local wall-clock slot starts
    duration: int = 60  # minutes
    kwargs: dict[str, Any] = field(default_factory=dict)  # other compute_slots arguments
    now: str | None = None  # local wall time; default: long before the query
    utc: dict[str, str] = field(default_factory=dict)  # local slot -> expected UTC instant
    offsets: dict[str, str] = field(default_factory=dict)  # local date -> UTC offset of its slots


def run(case: Case) -> list[datetime]:
    start = local(case.tz, case.start)
    now = local(case.tz, case.now) if case.now else start - timedelta(days=30)
    return compute_slots(
        timezone=case.tz,
        weekly=case.weekly,
        duration=timedelta(minutes=case.duration),
        start=start,
        end=local(case.tz, case.end),
        now=now,
        **case.kwargs,
    )


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------

DST_WEEKS = [
    Case(
        id="new_york_march_change_week",
        tz=NY,
        weekly=MON_FRI_9_17,
        start="2026-03-02 00:00",
        end="2026-03-14 00:00",
        expected=each_day(days("2026-03-02", "2026-03-06") + days("2026-03-09", "2026-03-13"),
                          "09:00", "16:00"),
        utc={
            "2026-03-06 09:00": "2026-03-06 14:00Z",
            "2026-03-06 16:00": "2026-03-06 21:00Z",
            "2026-03-09 09:00": "2026-03-09 13:00Z",
            "2026-03-09 16:00": "2026-03-09 20:00Z",
        },
        offsets={**{d: "-05:00" for d in days("2026-03-02", "2026-03-06")},
                 **{d: "-04:00" for d in days("2026-03-09", "2026-03-13")}},
    ),
    Case(
        id="new_york_november_change_week",
        tz=NY,
        weekly=MON_FRI_9_17,
        start="2026-10-26 00:00",
        end="2026-11-07 00:00",
        expected=each_day(days("2026-10-26", "2026-10-30") + days("2026-11-02", "2026-11-06"),
                          "09:00", "16:00"),
        utc={
            "2026-10-30 09:00": "2026-10-30 13:00Z",
            "2026-10-30 16:00": "2026-10-30 20:00Z",
            "2026-11-02 09:00": "2026-11-02 14:00Z",
            "2026-11-02 16:00": "2026-11-02 21:00Z",
        },
        offsets={**{d: "-04:00" for d in days("2026-10-26", "2026-10-30")},
                 **{d: "-05:00" for d in days("2026-11-02", "2026-11-06")}},
    ),
    Case(
        id="london_october_change_week",
        tz=LONDON,
        weekly=MON_FRI_9_17,
        start="2026-10-19 00:00",
        end="2026-10-31 00:00",
        expected=each_day(days("2026-10-19", "2026-10-23") + days("2026-10-26", "2026-10-30"),
                          "09:00", "16:00"),
        utc={
            "2026-10-23 09:00": "2026-10-23 08:00Z",
            "2026-10-26 09:00": "2026-10-26 09:00Z",
        },
        offsets={**{d: "+01:00" for d in days("2026-10-19", "2026-10-23")},
                 **{d: "+00:00" for d in days("2026-10-26", "2026-10-30")}},
    ),
    Case(
        id="sydney_april_change_week",
        tz=SYDNEY,
        weekly=MON_FRI_9_17,
        start="2026-03-30 00:00",
        end="2026-04-11 00:00",
        expected=each_day(days("2026-03-30", "2026-04-03") + days("2026-04-06", "2026-04-10"),
                          "09:00", "16:00"),
        utc={
            "2026-04-03 09:00": "2026-04-02 22:00Z",
            "2026-04-06 09:00": "2026-04-05 23:00Z",
        },
        offsets={**{d: "+11:00" for d in days("2026-03-30", "2026-04-03")},
                 **{d: "+10:00" for d in days("2026-04-06", "2026-04-10")}},
    ),
]

NIGHT_WINDOWS = [
    Case(
        id="new_york_spring_gap_night_30min",
        tz=NY,
        weekly=weekly((SUN, "00:00", "04:00")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=30,
        # 02:00 and 02:30 do not exist on 2026-03-08 in New York.
        expected=["2026-03-08 00:00", "2026-03-08 00:30", "2026-03-08 01:00", "2026-03-08 01:30",
                  "2026-03-08 03:00", "2026-03-08 03:30"],
        utc={
            "2026-03-08 00:00": "2026-03-08 05:00Z",
            "2026-03-08 01:30": "2026-03-08 06:30Z",
            "2026-03-08 03:00": "2026-03-08 07:00Z",
            "2026-03-08 03:30": "2026-03-08 07:30Z",
        },
    ),
    Case(
        id="new_york_spring_gap_night_60min_on_30min_grid",
        tz=NY,
        weekly=weekly((SUN, "00:00", "04:00")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=60,
        kwargs={"interval": 30 * MIN},
        # 01:30 EST + 1 h = 03:30 EDT fits; 03:30 EDT + 1 h = 04:30 does not.
        expected=["2026-03-08 00:00", "2026-03-08 00:30", "2026-03-08 01:00", "2026-03-08 01:30",
                  "2026-03-08 03:00"],
        utc={"2026-03-08 01:30": "2026-03-08 06:30Z", "2026-03-08 03:00": "2026-03-08 07:00Z"},
    ),
    Case(
        id="new_york_fall_fold_night_30min",
        tz=NY,
        weekly=weekly((SUN, "00:00", "04:00")),
        start="2026-11-01 00:00",
        end="2026-11-02 00:00",
        duration=30,
        # 01:00 and 01:30 happen twice; each is offered once, at the EDT instant.
        expected=grid("2026-11-01", "00:00", "03:30", 30),
        utc={
            "2026-11-01 00:30": "2026-11-01 04:30Z",
            "2026-11-01 01:00": "2026-11-01 05:00Z",
            "2026-11-01 01:30": "2026-11-01 05:30Z",
            "2026-11-01 02:00": "2026-11-01 07:00Z",
            "2026-11-01 03:30": "2026-11-01 08:30Z",
        },
    ),
    Case(
        id="new_york_fold_first_occurrence_busy_hides_slot",
        tz=NY,
        weekly=weekly((SUN, "00:00", "04:00")),
        start="2026-11-01 00:00",
        end="2026-11-02 00:00",
        duration=30,
        # Busy during the first (EDT) 01:00-02:00; the free second (EST) occurrence is not offered.
        kwargs={"busy": [(utc("2026-11-01 05:00Z"), utc("2026-11-01 06:00Z"))]},
        expected=["2026-11-01 00:00", "2026-11-01 00:30", "2026-11-01 02:00", "2026-11-01 02:30",
                  "2026-11-01 03:00", "2026-11-01 03:30"],
    ),
    Case(
        id="new_york_fold_second_occurrence_busy_keeps_slot",
        tz=NY,
        weekly=weekly((SUN, "00:00", "04:00")),
        start="2026-11-01 00:00",
        end="2026-11-02 00:00",
        duration=30,
        # Busy during the second (EST) 01:00-02:00 only: every first occurrence stays free.
        kwargs={"busy": [(utc("2026-11-01 06:00Z"), utc("2026-11-01 07:00Z"))]},
        expected=grid("2026-11-01", "00:00", "03:30", 30),
        utc={"2026-11-01 01:30": "2026-11-01 05:30Z", "2026-11-01 02:00": "2026-11-01 07:00Z"},
    ),
    Case(
        id="new_york_gap_starts_are_skipped_not_shifted",
        tz=NY,
        weekly=weekly((SUN, "01:00", "02:30")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=30,
        # 02:00 does not exist; it must not turn into 03:00 EDT (which is outside the window).
        expected=["2026-03-08 01:00", "2026-03-08 01:30"],
    ),
    Case(
        id="new_york_window_end_in_gap_uses_pre_transition_offset",
        tz=NY,
        weekly=weekly((SUN, "00:00", "02:30")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=60,
        kwargs={"interval": 30 * MIN},
        # End 02:30 (non-existent) resolves to 02:30 EST = 03:30 EDT = 07:30Z, so 01:30 EST fits.
        expected=["2026-03-08 00:00", "2026-03-08 00:30", "2026-03-08 01:00", "2026-03-08 01:30"],
    ),
    Case(
        id="new_york_window_across_gap_counts_real_time",
        tz=NY,
        weekly=weekly((SUN, "00:00", "03:00")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=60,
        kwargs={"interval": 30 * MIN},
        # 01:30 EST + 1 h = 03:30 EDT, after the window's 03:00 end.
        expected=["2026-03-08 00:00", "2026-03-08 00:30", "2026-03-08 01:00"],
    ),
    Case(
        id="new_york_window_start_in_gap",
        tz=NY,
        weekly=weekly((SUN, "02:30", "05:00")),
        start="2026-03-08 00:00",
        end="2026-03-09 00:00",
        duration=60,
        kwargs={"interval": 30 * MIN},
        expected=["2026-03-08 03:00", "2026-03-08 03:30", "2026-03-08 04:00"],
    ),
    Case(
        id="new_york_ambiguous_window_end_uses_first_occurrence",
        tz=NY,
        weekly=weekly((SUN, "00:00", "01:30")),
        start="2026-11-01 00:00",
        end="2026-11-02 00:00",
        duration=60,
        kwargs={"interval": 30 * MIN},
        # End 01:30 EDT = 05:30Z: 01:00 EDT + 1 h = 06:00Z is too late.
        expected=["2026-11-01 00:00", "2026-11-01 00:30"],
    ),
    Case(
        id="new_york_fall_window_counts_real_time",
        tz=NY,
        weekly=weekly((SUN, "00:00", "03:00")),
        start="2026-11-01 00:00",
        end="2026-11-02 00:00",
        duration=60,
        expected=["2026-11-01 00:00", "2026-11-01 01:00", "2026-11-01 02:00"],
        utc={
            "2026-11-01 00:00": "2026-11-01 04:00Z",
            "2026-11-01 01:00": "2026-11-01 05:00Z",
            "2026-11-01 02:00": "2026-11-01 07:00Z",
        },
    ),
    Case(
        id="london_october_fold_night",
        tz=LONDON,
        weekly=weekly((SUN, "00:00", "03:00")),
        start="2026-10-25 00:00",
        end="2026-10-26 00:00",
        duration=30,
        expected=grid("2026-10-25", "00:00", "02:30", 30),
        utc={
            "2026-10-25 00:00": "2026-10-24 23:00Z",
            "2026-10-25 01:00": "2026-10-25 00:00Z",
            "2026-10-25 01:30": "2026-10-25 00:30Z",
            "2026-10-25 02:00": "2026-10-25 02:00Z",
            "2026-10-25 02:30": "2026-10-25 02:30Z",
        },
    ),
    Case(
        id="sydney_april_fold_night",
        tz=SYDNEY,
        weekly=weekly((SUN, "01:00", "04:00")),
        start="2026-04-05 00:00",
        end="2026-04-06 00:00",
        duration=30,
        # Clocks go 03:00 AEDT -> 02:00 AEST: 02:00-02:59 happen twice.
        expected=grid("2026-04-05", "01:00", "03:30", 30),
        utc={
            "2026-04-05 01:00": "2026-04-04 14:00Z",
            "2026-04-05 02:00": "2026-04-04 15:00Z",
            "2026-04-05 02:30": "2026-04-04 15:30Z",
            "2026-04-05 03:00": "2026-04-04 17:00Z",
            "2026-04-05 03:30": "2026-04-04 17:30Z",
        },
    ),
    Case(
        id="lord_howe_october_half_hour_gap",
        tz=LORD_HOWE,
        weekly=weekly((SUN, "01:00", "04:00")),
        start="2026-10-04 00:00",
        end="2026-10-05 00:00",
        duration=30,
        # Clocks go 02:00 +10:30 -> 02:30 +11:00: only 02:00 is missing.
        expected=["2026-10-04 01:00", "2026-10-04 01:30", "2026-10-04 02:30", "2026-10-04 03:00",
                  "2026-10-04 03:30"],
        utc={"2026-10-04 01:30": "2026-10-03 15:00Z", "2026-10-04 02:30": "2026-10-03 15:30Z"},
    ),
    Case(
        id="lord_howe_april_half_hour_fold",
        tz=LORD_HOWE,
        weekly=weekly((SUN, "01:00", "03:00")),
        start="2026-04-05 00:00",
        end="2026-04-06 00:00",
        duration=30,
        # Clocks go 02:00 +11:00 -> 01:30 +10:30: 01:30-01:59 happen twice.
        expected=grid("2026-04-05", "01:00", "02:30", 30),
        utc={
            "2026-04-05 01:00": "2026-04-04 14:00Z",
            "2026-04-05 01:30": "2026-04-04 14:30Z",
            "2026-04-05 02:00": "2026-04-04 15:30Z",
        },
    ),
]

OFFSETS_AND_OVERRIDES = [
    Case(
        id="kolkata_half_hour_offset",
        tz=KOLKATA,
        weekly=weekly((MON, "09:00", "11:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        expected=["2026-03-02 09:00", "2026-03-02 10:00"],
        utc={"2026-03-02 09:00": "2026-03-02 03:30Z", "2026-03-02 10:00": "2026-03-02 04:30Z"},
        offsets={"2026-03-02": "+05:30"},
    ),
    Case(
        id="override_replaces_weekday_windows",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "12:00"), (TUE, "09:00", "12:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        kwargs={"overrides": {date(2026, 3, 2): [(time(14), time(16)), (time(17), time(18))]}},
        expected=["2026-03-02 14:00", "2026-03-02 15:00", "2026-03-02 17:00",
                  "2026-03-03 09:00", "2026-03-03 10:00", "2026-03-03 11:00"],
    ),
    Case(
        id="override_opens_a_day_without_weekly_windows",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "12:00")),
        start="2026-03-01 00:00",
        end="2026-03-03 00:00",
        kwargs={"overrides": {date(2026, 3, 1): [(time(10), time(12))]}},
        expected=["2026-03-01 10:00", "2026-03-01 11:00",
                  "2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 11:00"],
    ),
    Case(
        id="day_off_override_empty_windows",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "12:00"), (TUE, "09:00", "12:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        kwargs={"overrides": {date(2026, 3, 2): []}},
        expected=["2026-03-03 09:00", "2026-03-03 10:00", "2026-03-03 11:00"],
    ),
    Case(
        id="override_keyed_by_local_date_in_kolkata",
        tz=KOLKATA,
        weekly=weekly((MON, "00:00", "02:00"), (SUN, "22:00", "00:00")),
        start="2026-03-01 00:00",
        end="2026-03-03 00:00",
        # Local Monday 00:00-02:00 IST is still Sunday in UTC; the override is for local Monday.
        kwargs={"overrides": {date(2026, 3, 2): []}},
        expected=["2026-03-01 22:00", "2026-03-01 23:00"],
    ),
]

BUSY_AND_BUFFERS = [
    Case(
        id="busy_back_to_back_touching_allowed",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"busy": [(local(LONDON, "2026-03-02 10:00"), local(LONDON, "2026-03-02 11:00"))]},
        expected=["2026-03-02 09:00", "2026-03-02 11:00", "2026-03-02 12:00"],
    ),
    Case(
        id="busy_blocks_overlapping_grid_slots",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"interval": 30 * MIN,
                "busy": [(local(LONDON, "2026-03-02 10:00"), local(LONDON, "2026-03-02 11:00"))]},
        expected=["2026-03-02 09:00", "2026-03-02 11:00", "2026-03-02 11:30", "2026-03-02 12:00"],
    ),
    Case(
        id="buffer_after_blocks_the_slot_before_a_booking",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"buffer_after": 15 * MIN,
                "busy": [(local(LONDON, "2026-03-02 10:00"), local(LONDON, "2026-03-02 11:00"))]},
        # 12:00's buffer runs past the window end: buffers only matter against busy time.
        expected=["2026-03-02 11:00", "2026-03-02 12:00"],
    ),
    Case(
        id="buffer_before_blocks_the_slot_after_a_booking",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"buffer_before": 15 * MIN,
                "busy": [(local(LONDON, "2026-03-02 10:00"), local(LONDON, "2026-03-02 11:00"))]},
        expected=["2026-03-02 09:00", "2026-03-02 12:00"],
    ),
    Case(
        id="buffers_touching_busy_are_fine",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"buffer_before": 15 * MIN, "buffer_after": 15 * MIN,
                "busy": [(local(LONDON, "2026-03-02 10:15"), local(LONDON, "2026-03-02 10:45"))]},
        # 09:00 span [08:45, 10:15) and 11:00 span [10:45, 12:15) touch the busy interval.
        expected=["2026-03-02 09:00", "2026-03-02 11:00", "2026-03-02 12:00"],
    ),
    Case(
        id="buffer_reaches_busy_time_outside_the_window",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"buffer_before": 1 * MIN,
                "busy": [(local(LONDON, "2026-03-02 08:00"), local(LONDON, "2026-03-02 09:00"))]},
        expected=["2026-03-02 10:00", "2026-03-02 11:00", "2026-03-02 12:00"],
    ),
    Case(
        id="busy_before_query_start_blocks_through_buffer_before",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 09:00",
        end="2026-03-02 11:00",
        kwargs={"buffer_before": 15 * MIN,
                "busy": [(local(LONDON, "2026-03-02 08:00"), local(LONDON, "2026-03-02 08:50"))]},
        expected=["2026-03-02 10:00"],
    ),
    Case(
        id="busy_after_query_end_blocks_through_session_and_buffer_after",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 09:00",
        end="2026-03-02 11:00",  # the 10:00 session runs to 11:00, its buffer to 11:15
        kwargs={"buffer_after": 15 * MIN,
                "busy": [(local(LONDON, "2026-03-02 11:10"), local(LONDON, "2026-03-02 11:30"))]},
        expected=["2026-03-02 09:00"],
    ),
    Case(
        id="empty_busy_interval_blocks_nothing",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "11:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        kwargs={"busy": [(local(LONDON, "2026-03-02 09:30"), local(LONDON, "2026-03-02 09:30"))]},
        expected=["2026-03-02 09:00", "2026-03-02 10:00"],
    ),
]

NOTICE_HORIZON_BOUNDS = [
    Case(
        id="minimum_notice_exact_boundary_included",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        now="2026-03-02 08:00",
        kwargs={"minimum_notice": 2 * HOUR},
        expected=grid("2026-03-02", "10:00", "16:00"),
    ),
    Case(
        id="minimum_notice_one_minute_past_boundary",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        now="2026-03-02 08:01",
        kwargs={"minimum_notice": 2 * HOUR},
        expected=grid("2026-03-02", "11:00", "16:00"),
    ),
    Case(
        id="now_without_notice_hides_past_slots",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        now="2026-03-02 12:30",
        expected=grid("2026-03-02", "13:00", "16:00"),
    ),
    Case(
        id="horizon_is_exclusive",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00"), (TUE, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        now="2026-03-02 08:00",
        kwargs={"horizon": 25 * HOUR},  # now + horizon = Tue 09:00, excluded
        expected=grid("2026-03-02", "09:00", "16:00"),
    ),
    Case(
        id="horizon_one_minute_longer_admits_boundary",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00"), (TUE, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        now="2026-03-02 08:00",
        kwargs={"horizon": 25 * HOUR + MIN},
        expected=grid("2026-03-02", "09:00", "16:00") + ["2026-03-03 09:00"],
    ),
    Case(
        id="horizon_short",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00"), (TUE, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        now="2026-03-02 08:00",
        kwargs={"horizon": 3 * HOUR},
        expected=["2026-03-02 09:00", "2026-03-02 10:00"],
    ),
    Case(
        id="notice_and_horizon_together",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        now="2026-03-02 08:00",
        kwargs={"minimum_notice": 3 * HOUR, "horizon": 6 * HOUR},
        expected=["2026-03-02 11:00", "2026-03-02 12:00", "2026-03-02 13:00"],
    ),
    Case(
        id="new_york_evening_slots_fall_on_next_utc_date",
        tz=NY,
        weekly=weekly((SUN, "20:00", "23:00")),
        start="2026-03-02 00:00Z",  # Monday in UTC, still Sunday 19:00 in New York
        end="2026-03-03 00:00Z",
        expected=["2026-03-01 20:00", "2026-03-01 21:00", "2026-03-01 22:00"],
        utc={"2026-03-01 20:00": "2026-03-02 01:00Z"},
    ),
    Case(
        id="kolkata_early_slots_fall_on_previous_utc_date",
        tz=KOLKATA,
        weekly=weekly((TUE, "00:00", "02:00")),
        start="2026-03-02 00:00Z",
        end="2026-03-03 00:00Z",  # Tuesday 05:30 in Kolkata
        expected=["2026-03-03 00:00", "2026-03-03 01:00"],
        utc={"2026-03-03 00:00": "2026-03-02 18:30Z"},
    ),
    Case(
        id="query_start_inclusive_end_exclusive",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 10:00",
        end="2026-03-02 14:00",
        expected=["2026-03-02 10:00", "2026-03-02 11:00", "2026-03-02 12:00", "2026-03-02 13:00"],
    ),
    Case(
        id="query_bounds_between_grid_points",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 10:01",
        end="2026-03-02 13:59",
        expected=["2026-03-02 11:00", "2026-03-02 12:00", "2026-03-02 13:00"],
    ),
    Case(
        id="query_end_before_start_is_empty",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        start="2026-03-02 14:00",
        end="2026-03-02 10:00",
        expected=[],
    ),
    Case(
        id="query_crossing_utc_midnight_kolkata",
        tz=KOLKATA,
        weekly=weekly((MON, "04:00", "07:00")),
        start="2026-03-02 05:00",  # = 2026-03-01 23:30Z
        end="2026-03-02 06:30",
        expected=["2026-03-02 05:00", "2026-03-02 06:00"],
        utc={"2026-03-02 05:00": "2026-03-01 23:30Z"},
    ),
]

GRID_AND_WINDOWS = [
    Case(
        id="docstring_0730_0930_gives_only_0800",
        tz=LONDON,
        weekly=weekly((MON, "07:30", "09:30")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        expected=["2026-03-02 08:00"],
    ),
    Case(
        id="45min_sessions_on_15min_interval",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "11:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        duration=45,
        kwargs={"interval": 15 * MIN},
        expected=grid("2026-03-02", "09:00", "10:15", 15),
    ),
    Case(
        id="grid_anchored_at_local_midnight_not_window_start",
        tz=LONDON,
        weekly=weekly((MON, "09:10", "11:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        duration=30,
        expected=["2026-03-02 09:30", "2026-03-02 10:00", "2026-03-02 10:30"],
    ),
    Case(
        id="default_interval_is_duration_90min",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        duration=90,
        # multiples of 90 min since midnight: 09:00, 10:30, 12:00 (12:00 + 90 > 13:00)
        expected=["2026-03-02 09:00", "2026-03-02 10:30"],
    ),
    Case(
        id="interval_longer_than_duration",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "13:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        duration=30,
        kwargs={"interval": 2 * HOUR},
        expected=["2026-03-02 10:00", "2026-03-02 12:00"],
    ),
    Case(
        id="window_ending_at_midnight",
        tz=LONDON,
        weekly=weekly((MON, "22:00", "00:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        expected=["2026-03-02 22:00", "2026-03-02 23:00"],
    ),
    Case(
        id="window_ending_at_midnight_30min_sessions_45min_interval",
        tz=LONDON,
        weekly=weekly((MON, "22:00", "00:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        duration=30,
        kwargs={"interval": 45 * MIN},
        # multiples of 45 min: 22:30 (=30*45), 23:15 (23:15+30 = 23:45 fits)
        expected=["2026-03-02 22:30", "2026-03-02 23:15"],
    ),
    Case(
        id="full_day_window_midnight_to_midnight",
        tz=LONDON,
        weekly=weekly((MON, "00:00", "00:00")),
        start="2026-03-01 00:00",
        end="2026-03-04 00:00",
        duration=6 * 60,
        expected=["2026-03-02 00:00", "2026-03-02 06:00", "2026-03-02 12:00", "2026-03-02 18:00"],
    ),
    Case(
        id="session_does_not_spill_into_next_days_window",
        tz=LONDON,
        weekly=weekly((MON, "23:00", "00:00"), (TUE, "00:00", "01:00")),
        start="2026-03-02 00:00",
        end="2026-03-04 00:00",
        duration=90,
        kwargs={"interval": 30 * MIN},
        expected=[],
    ),
    Case(
        id="overlapping_and_duplicate_windows_give_unique_slots",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "12:00"), (MON, "10:00", "13:00"), (MON, "09:00", "12:00")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        expected=grid("2026-03-02", "09:00", "12:00"),
    ),
    Case(
        id="overlapping_override_windows_give_unique_slots",
        tz=LONDON,
        weekly=(),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        duration=30,
        kwargs={"overrides": {date(2026, 3, 2): [(time(9), time(10, 30)), (time(10), time(11))]}},
        expected=grid("2026-03-02", "09:00", "10:30", 30),
    ),
    Case(
        id="window_shorter_than_session_gives_nothing",
        tz=LONDON,
        weekly=weekly((MON, "09:00", "09:45")),
        start="2026-03-02 00:00",
        end="2026-03-03 00:00",
        expected=[],
    ),
]

CASES = DST_WEEKS + NIGHT_WINDOWS + OFFSETS_AND_OVERRIDES + BUSY_AND_BUFFERS + NOTICE_HORIZON_BOUNDS + GRID_AND_WINDOWS


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_examples(case: Case) -> None:
    slots = run(case)

    assert all(isinstance(s, datetime) and s.utcoffset() == timedelta(0) for s in slots), slots
    assert slots == sorted(set(slots)), "slots must be sorted and unique"
    got = as_local(slots, case.tz)
    assert got == case.expected

    by_local = dict(zip(got, slots, strict=True))
    for wall, instant in case.utc.items():
        assert wall in by_local, f"{wall} missing"
        assert as_utc(by_local[wall]) == instant, f"{wall} local"
    for day, offset in case.offsets.items():
        on_day = [s for w, s in by_local.items() if w.startswith(day)]
        assert on_day, f"no slots on {day}"
        assert {offset_text(s, case.tz) for s in on_day} == {offset}, day


def test_dst_week_slots_shift_by_one_hour_in_utc() -> None:
    """Same local times on both sides of the change; the UTC instants move by exactly one hour."""
    case = DST_WEEKS[0]  # New York, March
    slots = run(case)
    friday = [s for s in slots if s.astimezone(ZoneInfo(NY)).date() == date(2026, 3, 6)]
    monday = [s for s in slots if s.astimezone(ZoneInfo(NY)).date() == date(2026, 3, 9)]
    assert [s - timedelta(days=3) for s in monday] == [f - HOUR for f in friday]


def test_aware_non_utc_inputs_are_accepted_and_results_are_utc() -> None:
    tz = ZoneInfo(NY)
    slots = compute_slots(
        timezone=LONDON,
        weekly=weekly((MON, "09:00", "11:00")),
        duration=HOUR,
        start=datetime(2026, 3, 1, 19, 0, tzinfo=tz),  # = 2026-03-02 00:00Z
        end=datetime(2026, 3, 2, 19, 0, tzinfo=tz),
        now=datetime(2026, 2, 1, tzinfo=tz),
    )
    assert [s.isoformat() for s in slots] == ["2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00"]
    assert all(s.utcoffset() == timedelta(0) for s in slots)


def test_busy_accepts_any_iterable_in_random_order() -> None:
    day = "2026-03-02"
    busy = [
        (local(LONDON, f"{day} 12:00"), local(LONDON, f"{day} 12:30")),
        (local(LONDON, f"{day} 09:00"), local(LONDON, f"{day} 09:10")),
        (local(LONDON, f"{day} 10:00"), local(LONDON, f"{day} 11:00")),
        (local(LONDON, f"{day} 10:30"), local(LONDON, f"{day} 10:40")),  # nested in another
    ]
    slots = compute_slots(
        timezone=LONDON,
        weekly=weekly((MON, "09:00", "17:00")),
        duration=HOUR,
        busy=iter(busy),
        start=local(LONDON, f"{day} 00:00"),
        end=local(LONDON, "2026-03-03 00:00"),
        now=local(LONDON, "2026-01-01 00:00"),
    )
    assert as_local(slots, LONDON) == [f"{day} 11:00", f"{day} 13:00", f"{day} 14:00",
                                       f"{day} 15:00", f"{day} 16:00"]


# --------------------------------------------------------------------------------------------
# invalid input
# --------------------------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 2, 9, 0)
AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _call(**changes: Any) -> Callable[[], object]:
    def call() -> object:
        kwargs: dict[str, Any] = {
            "timezone": LONDON,
            "weekly": weekly((MON, "09:00", "17:00")),
            "duration": HOUR,
            "start": datetime(2026, 3, 2, tzinfo=UTC),
            "end": datetime(2026, 3, 3, tzinfo=UTC),
            "now": datetime(2026, 3, 1, tzinfo=UTC),
        }
        kwargs.update(changes)
        return compute_slots(**kwargs)

    return call


INVALID = [
    pytest.param(_call(timezone="Mars/Olympus_Mons"), r"time zone.*Mars/Olympus_Mons", id="unknown_timezone"),
    pytest.param(_call(timezone=""), r"time zone", id="empty_timezone"),
    pytest.param(_call(duration=timedelta(0)), r"duration.*positive", id="zero_duration"),
    pytest.param(_call(duration=-HOUR), r"duration.*positive", id="negative_duration"),
    pytest.param(_call(interval=timedelta(0)), r"interval.*positive", id="zero_interval"),
    pytest.param(_call(interval=-15 * MIN), r"interval.*positive", id="negative_interval"),
    pytest.param(_call(start=datetime(2026, 3, 2)), r"start.*(naive|aware)", id="naive_start"),
    pytest.param(_call(end=datetime(2026, 3, 3)), r"end.*(naive|aware)", id="naive_end"),
    pytest.param(_call(now=datetime(2026, 3, 1)), r"now.*(naive|aware)", id="naive_now"),
    pytest.param(_call(busy=[(NAIVE, AWARE + HOUR)]), r"busy.*(naive|aware)", id="naive_busy_start"),
    pytest.param(_call(busy=[(AWARE, NAIVE + HOUR)]), r"busy.*(naive|aware)", id="naive_busy_end"),
    pytest.param(
        lambda: WeeklyWindow(MON, time(10), time(9)), r"end.*09:00.*start.*10:00",
        id="weekly_window_end_before_start",
    ),
    pytest.param(
        _call(overrides={date(2026, 3, 2): [(time(15), time(14))]}), r"end.*14:00.*start.*15:00",
        id="override_window_end_before_start",
    ),
    pytest.param(lambda: WeeklyWindow(7, time(9), time(17)), r"weekday.*7", id="weekday_7"),
    pytest.param(lambda: WeeklyWindow(-1, time(9), time(17)), r"weekday.*-1", id="weekday_negative"),
]


@pytest.mark.parametrize(("call", "message"), INVALID)
def test_invalid_input_raises_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert re.search(message, str(info.value), re.IGNORECASE), str(info.value)
