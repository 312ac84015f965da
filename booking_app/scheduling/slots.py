"""The pure slot engine: which start times can a customer book?

No database, no clock, no Reflex: every input is a parameter (``now`` included), so the rules
of DESIGN.md §4 can be tested exhaustively and reused by the service, the API and benchmarks.

Vocabulary
----------
* A *window* is a half-open ``[start, end)`` span of local wall-clock time on one local date,
  in the builder's time zone. An end of ``00:00`` means the midnight that ends that day.
* A *candidate* is a local wall-clock time inside a window whose offset from local midnight is
  a whole multiple of the interval. It becomes a *slot* when it exists (not in a
  spring-forward gap), the session fits before the window's end in real elapsed time, the
  notice and horizon allow it, and its buffered span overlaps no busy interval.

Example: 07:30-09:30 with 60-minute sessions offers only 08:00, because 09:00 + 60 minutes
would overrun the window and 07:00 starts before it.

>>> from datetime import date, time, timedelta, datetime, timezone
>>> monday = datetime(2026, 3, 2, tzinfo=timezone.utc)
>>> [s.isoformat() for s in compute_slots(
...     timezone="Europe/London", weekly=[WeeklyWindow(0, time(7, 30), time(9, 30))],
...     duration=timedelta(hours=1), start=monday, end=monday + timedelta(days=1),
...     now=monday - timedelta(days=1))]
['2026-03-02T08:00:00+00:00']
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WeeklyWindow", "compute_slots", "load_timezone", "MIDNIGHT"]

MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)


def load_timezone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name`` or raise ``ValueError`` naming it.

    >>> load_timezone("Asia/Kolkata").key
    'Asia/Kolkata'
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: expected an IANA name such as 'Europe/London'"
        ) from exc


def _check_window(start: time, end: time, where: str) -> None:
    for label, value in (("start", start), ("end", end)):
        if not isinstance(value, time):
            raise ValueError(f"{where}: {label} must be a datetime.time, got {value!r}")
        if value.tzinfo is not None:
            raise ValueError(f"{where}: {label} must be a local wall-clock time without tzinfo")
    if end != MIDNIGHT and end <= start:
        raise ValueError(
            f"{where}: end {end.isoformat()} must be after start {start.isoformat()} "
            "(use 00:00 for the midnight that ends the day)"
        )


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring availability window: ``weekday`` 0 = Monday, local ``[start, end)``."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")
        _check_window(self.start, self.end, f"weekly window on weekday {self.weekday}")


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _require_duration(value: timedelta, name: str, *, positive: bool) -> timedelta:
    if not isinstance(value, timedelta):
        raise ValueError(f"{name} must be a timedelta, got {value!r}")
    if positive and value <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {value}")
    if value < timedelta(0):
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _local_to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """The first occurrence of naive local ``wall`` as UTC.

    A time inside a spring-forward gap resolves with the offset before the change, i.e. it is
    shifted forward by the gap (02:30 in New York on a March change day becomes 03:30 EDT) —
    the reading used for window ends, which may legitimately fall in a gap.
    """
    return (wall - zone.utcoffset(wall)).replace(tzinfo=UTC)


def _existing_local_to_utc(wall: datetime, zone: tzinfo) -> datetime | None:
    """UTC of the first occurrence of ``wall``, or None if ``wall`` does not exist locally.

    PEP 495: ``fold=0`` reads a time with the offset before a transition, ``fold=1`` with the
    offset after. Across a gap the offset grows (the wall time never happens); across a fold
    it shrinks (the wall time happens twice, first with the ``fold=0`` offset).

    >>> from zoneinfo import ZoneInfo
    >>> ny = ZoneInfo("America/New_York")
    >>> _existing_local_to_utc(datetime(2026, 3, 8, 2, 30), ny) is None
    True
    >>> _existing_local_to_utc(datetime(2026, 11, 1, 1, 30), ny).isoformat()
    '2026-11-01T05:30:00+00:00'
    """
    before = zone.utcoffset(wall)
    if before < zone.utcoffset(wall.replace(fold=1)):
        return None  # in a spring-forward gap: the clock never shows this time
    return (wall - before).replace(tzinfo=UTC)


class _BusyIndex:
    """Busy intervals merged into disjoint, sorted runs for O(log n) overlap queries."""

    def __init__(self, busy: Iterable[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> None:
        """Index the intervals of ``busy`` that reach into ``[lo, hi)``; others cannot matter."""
        items = list(busy)
        try:
            # One C-level sort (aware datetimes compare as instants, whatever their zone),
            # then a single pass that validates, filters and merges.
            spans = sorted(items)
        except TypeError:  # naive and aware values mixed, or not datetimes at all
            spans = sorted(self._validated(items))
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        starts, ends = self._starts, self._ends
        for b_start, b_end in spans:
            if getattr(b_start, "tzinfo", None) is not UTC or getattr(b_end, "tzinfo", None) is not UTC:
                b_start = _require_aware(b_start, "a busy interval's start")
                b_end = _require_aware(b_end, "a busy interval's end")
            if b_end <= b_start:
                if b_end < b_start:
                    raise ValueError(f"busy interval {b_start.isoformat()} → {b_end.isoformat()} ends before it starts")
                continue  # an empty [s, s) interval blocks nothing
            if b_end <= lo or b_start >= hi:
                continue
            if ends and b_start <= ends[-1]:
                if b_end > ends[-1]:
                    ends[-1] = b_end
            else:
                starts.append(b_start)
                ends.append(b_end)

    @staticmethod
    def _validated(busy: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
        return [
            (_require_aware(b_start, f"busy[{i}] start"), _require_aware(b_end, f"busy[{i}] end"))
            for i, (b_start, b_end) in enumerate(busy)
        ]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True if ``[start, end)`` shares any instant with a busy run."""
        # The last run starting before `end` is the only candidate: runs are disjoint and
        # sorted, so an earlier run ends before this one starts.
        index = bisect.bisect_left(self._starts, end) - 1
        return index >= 0 and self._ends[index] > start


def _windows_by_date(
    weekly: Sequence[WeeklyWindow],
    overrides: Mapping[date, Sequence[tuple[time, time]]] | None,
) -> tuple[dict[int, list[tuple[time, time]]], dict[date, list[tuple[time, time]]]]:
    by_weekday: dict[int, list[tuple[time, time]]] = {day: [] for day in range(7)}
    for window in weekly:
        if not isinstance(window, WeeklyWindow):
            raise ValueError(f"weekly entries must be WeeklyWindow, got {window!r}")
        by_weekday[window.weekday].append((window.start, window.end))
    by_date: dict[date, list[tuple[time, time]]] = {}
    for day, windows in (overrides or {}).items():
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"override keys must be dates, got {day!r}")
        checked = []
        for w_start, w_end in windows:
            _check_window(w_start, w_end, f"override window on {day.isoformat()}")
            checked.append((w_start, w_end))
        by_date[day] = checked
    return by_weekday, by_date


def compute_slots(
    *,
    timezone: str,
    weekly: Sequence[WeeklyWindow],
    overrides: Mapping[date, Sequence[tuple[time, time]]] | None = None,
    duration: timedelta,
    interval: timedelta | None = None,
    buffer_before: timedelta = timedelta(0),
    buffer_after: timedelta = timedelta(0),
    minimum_notice: timedelta = timedelta(0),
    horizon: timedelta | None = None,
    busy: Iterable[tuple[datetime, datetime]] = (),
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[datetime]:
    """Bookable slot starts in ``[start, end)`` as sorted, unique, UTC-aware datetimes.

    ``overrides`` maps a builder-local date to the windows that replace its weekday's windows
    (an empty sequence makes the day unavailable). ``busy`` holds UTC-aware ``[start, end)``
    intervals that are already widened by their own bookings' buffers. Raises ``ValueError``
    for an unknown zone, non-positive duration or interval, negative buffers or notice, naive
    datetimes, and windows that end before they start.
    """
    zone = load_timezone(timezone)
    duration = _require_duration(duration, "duration", positive=True)
    interval = duration if interval is None else _require_duration(interval, "interval", positive=True)
    buffer_before = _require_duration(buffer_before, "buffer_before", positive=False)
    buffer_after = _require_duration(buffer_after, "buffer_after", positive=False)
    minimum_notice = _require_duration(minimum_notice, "minimum_notice", positive=False)
    if horizon is not None:
        horizon = _require_duration(horizon, "horizon", positive=False)
    start, end, now = (_require_aware(v, n) for v, n in ((start, "start"), (end, "end"), (now, "now")))
    by_weekday, by_date = _windows_by_date(weekly, overrides)
    earliest = max(start, now + minimum_notice)
    latest = end if horizon is None else min(end, now + horizon)  # exclusive
    # Busy input is validated even when the range is empty, so bad data never passes silently.
    busy_index = _BusyIndex(busy, earliest - buffer_before, latest + duration + buffer_after)
    if earliest >= latest:
        return []

    slots: set[datetime] = set()
    # A local date's wall times lie within ±14 h of its UTC date: one day of margin suffices.
    day = earliest.date() - _ONE_DAY
    last_day = latest.date() + _ONE_DAY
    while day <= last_day:
        windows = by_date[day] if day in by_date else by_weekday[day.weekday()]
        if windows:
            day_offset = _fixed_offset(datetime.combine(day, MIDNIGHT), zone)
        for w_start, w_end in windows:
            for slot in _window_candidates(day, w_start, w_end, zone, duration, interval, day_offset):
                if earliest <= slot < latest and not busy_index.overlaps(
                    slot - buffer_before, slot + duration + buffer_after
                ):
                    slots.add(slot)
        day += _ONE_DAY
    return sorted(slots)


def _fixed_offset(midnight: datetime, zone: tzinfo) -> timedelta | None:
    """The UTC offset in force through the whole local day that begins at naive ``midnight``,
    or None when the clocks change that day (or either midnight is skipped or repeated).

    Both midnights must exist once, with the same offset: then the UTC instants of the two
    midnights, 24 hours apart, share that offset, and the offset could only differ in between
    if it changed twice within a day — which no zone does (the closest pair of changes in the
    time-zone database is 95 hours apart, Africa/Freetown 1939; a unit test checks the
    installed database). Every wall time of such a day then exists once, at ``wall − offset``.
    """
    offset = zone.utcoffset(midnight)
    following = midnight + _ONE_DAY
    if (
        zone.utcoffset(following) != offset
        or zone.utcoffset(midnight.replace(fold=1)) != offset
        or zone.utcoffset(following.replace(fold=1)) != offset
    ):
        return None
    return offset


def _window_candidates(
    day: date,
    w_start: time,
    w_end: time,
    zone: tzinfo,
    duration: timedelta,
    interval: timedelta,
    day_offset: timedelta | None = None,
) -> Iterable[datetime]:
    """UTC starts of the existing candidates in one window whose session ends in time.

    ``day_offset`` is ``_fixed_offset`` of the day: when given, wall times convert by one
    subtraction instead of two zone look-ups per candidate (same results).
    """
    midnight = datetime.combine(day, MIDNIGHT)
    start_offset = datetime.combine(day, w_start) - midnight
    end_offset = _ONE_DAY if w_end == MIDNIGHT else datetime.combine(day, w_end) - midnight
    steps = -(-start_offset // interval)  # ceil: the first multiple of interval >= start
    offset = interval * steps
    if day_offset is not None:
        midnight_utc = (midnight - day_offset).replace(tzinfo=UTC)
        last = end_offset - duration  # the session must end by the window's end
        while offset <= last:
            yield midnight_utc + offset
            offset += interval
        return
    window_end_utc = _local_to_utc(midnight + end_offset, zone)
    while offset < end_offset:
        slot = _existing_local_to_utc(midnight + offset, zone)
        if slot is not None and slot + duration <= window_end_utc:
            yield slot
        offset += interval
