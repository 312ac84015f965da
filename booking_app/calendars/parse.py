"""Busy time from iCalendar data: every occurrence between two instants (recurrences with
their exceptions and moved instances expanded by ``recurring-ical-events``), leaving out free
(``TRANSP:TRANSPARENT``) and cancelled events; all-day events and floating times are read in
the builder's zone. The result is merged, sorted UTC intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar

from booking_app.calendars.fetch import CalendarError

Interval = tuple[datetime, datetime]


def busy_intervals(data: bytes | str, *, start: datetime, end: datetime, zone: ZoneInfo,
                   own_uid_suffix: str | None = None) -> tuple[list[Interval], int]:
    """(merged busy intervals within ``[start, end)``, number of busy occurrences). Events
    whose UID ends with ``own_uid_suffix`` are the app's own bookings (written back, or an
    invitation the builder accepted): they block time as bookings already, so they are left
    out — a cancelled booking must free its time at once, not at the next sync."""
    try:
        calendar = x_wr_timezone.to_standard(Calendar.from_ical(data))
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as exc:  # noqa: BLE001 - any malformed feed is the feed's problem, said once
        raise CalendarError(f"The calendar could not be read as iCalendar data ({type(exc).__name__}).") from None
    found = []
    for event in occurrences:
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if own_uid_suffix and str(event.get("UID", "")).endswith(own_uid_suffix):
            continue
        span = _span(event, zone)
        if span is None:
            continue
        lo, hi = max(span[0], start), min(span[1], end)
        if hi > lo:
            found.append((lo, hi))
    return merge(found), len(found)


def _span(event, zone: ZoneInfo) -> Interval | None:  # noqa: ANN001 - an icalendar Event
    if "DTSTART" not in event:
        return None
    begin = event.decoded("DTSTART")
    if "DTEND" in event:
        finish = event.decoded("DTEND")
    elif "DURATION" in event:
        finish = begin + event.decoded("DURATION")
    else:  # RFC 5545: a date lasts the day; a date-time without an end is an instant
        finish = begin + timedelta(days=1) if not isinstance(begin, datetime) else begin
    return _utc(begin, zone), _utc(finish, zone)


def _utc(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day event: the builder's whole day
        return datetime.combine(value, time(0), zone).astimezone(UTC)
    if value.tzinfo is None:  # floating: the builder's wall clock
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined.

    >>> a = datetime(2026, 1, 1, 9, tzinfo=UTC)
    >>> merge([(a, a + timedelta(hours=1)), (a + timedelta(minutes=30), a + timedelta(hours=2))]) == [(a, a + timedelta(hours=2))]
    True
    """
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged
