"""Human-readable times and calendar links shown to customers."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from booking_app.scheduling.slots import load_timezone


def format_span(start: datetime, end: datetime, timezone: str) -> str:
    """``Monday 7 December 2026, 10:00–11:00 (Europe/Paris)``.

    >>> from datetime import UTC
    >>> format_span(datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 7, 10, tzinfo=UTC), "Europe/Paris")
    'Monday 7 December 2026, 10:00–11:00 (Europe/Paris)'
    """
    zone = load_timezone(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = f"{local_start:%A} {local_start.day} {local_start:%B %Y}"
    return f"{day}, {local_start:%H:%M}–{local_end:%H:%M} ({zone.key})"


def format_moment(moment: datetime, timezone: str) -> str:
    """``Sunday 6 December 2026, 10:00 (Europe/Paris)``."""
    local = moment.astimezone(load_timezone(timezone))
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({timezone})"


def google_calendar_url(*, title: str, start: datetime, end: datetime, details: str) -> str:
    """An "Add to Google Calendar" link (UTC times, as Google expects them)."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode({"action": "TEMPLATE", "text": title, "details": details,
                       "dates": f"{start.strftime(stamp)}/{end.strftime(stamp)}"})
    return f"https://calendar.google.com/calendar/render?{query}"
