"""Human-readable times and calendar links shown to customers."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from booking_app.scheduling.slots import load_timezone


def format_span(start: datetime, end: datetime, timezone: str, *, hour12: bool = False) -> str:
    """``Monday 7 December 2026, 10:00–11:00 (Europe/Paris)``, or with ``hour12`` ``10:00 am–11:00 am``.

    >>> from datetime import UTC
    >>> format_span(datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 7, 10, tzinfo=UTC), "Europe/Paris")
    'Monday 7 December 2026, 10:00–11:00 (Europe/Paris)'
    >>> format_span(datetime(2026, 12, 7, 11, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC), "Europe/Paris", hour12=True)
    'Monday 7 December 2026, 12:00 pm–1:00 pm (Europe/Paris)'
    """
    zone = load_timezone(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = f"{local_start:%A} {local_start.day} {local_start:%B %Y}"
    return f"{day}, {clock_time(local_start, hour12)}–{clock_time(local_end, hour12)} ({zone.key})"


def clock_time(moment: datetime, hour12: bool = False, *, seconds: bool = False) -> str:
    """``14:30``, or with ``hour12`` ``2:30 pm``; with ``seconds`` ``14:30:05`` / ``2:30:05 pm``.

    >>> clock_time(datetime(2026, 1, 1, 0, 5), hour12=True), clock_time(datetime(2026, 1, 1, 0, 5))
    ('12:05 am', '00:05')
    >>> clock_time(datetime(2026, 1, 1, 14, 30, 5), seconds=True), clock_time(datetime(2026, 1, 1, 14, 30, 5), True, seconds=True)
    ('14:30:05', '2:30:05 pm')
    """
    minutes = f"{moment:%M:%S}" if seconds else f"{moment:%M}"
    if not hour12:
        return f"{moment:%H}:{minutes}"
    return f"{moment.hour % 12 or 12}:{minutes} {'am' if moment.hour < 12 else 'pm'}"


def format_day(day: date) -> str:
    """A calendar day as people write it: ``Monday 14 December``.

    >>> format_day(date(2026, 12, 14))
    'Monday 14 December'
    """
    return f"{day:%A} {day.day} {day:%B}"


def format_moment(moment: datetime, timezone: str, *, hour12: bool = False) -> str:
    """``Sunday 6 December 2026, 10:00 (Europe/Paris)`` (``10:00 am`` with ``hour12``)."""
    local = moment.astimezone(load_timezone(timezone))
    return f"{local:%A} {local.day} {local:%B %Y}, {clock_time(local, hour12)} ({timezone})"


def google_calendar_url(*, title: str, start: datetime, end: datetime, details: str) -> str:
    """An "Add to Google Calendar" link (UTC times, as Google expects them)."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode({"action": "TEMPLATE", "text": title, "details": details,
                       "dates": f"{start.strftime(stamp)}/{end.strftime(stamp)}"})
    return f"https://calendar.google.com/calendar/render?{query}"
