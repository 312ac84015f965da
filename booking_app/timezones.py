"""The time zones a customer can pick, and a search over them for the wizard's picker.

The list is the IANA zones people live in (``Europe/Berlin``, not ``Etc/GMT-1`` or the
``US/Eastern`` aliases), from ``zoneinfo`` + ``tzdata``, labelled with today's UTC offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from booking_app.errors import InvalidInput
from booking_app.scheduling.slots import load_timezone

REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@dataclass(frozen=True)
class ZoneChoice:
    name: str  # IANA name, what is stored and sent
    label: str  # "Europe/Berlin · GMT+01:00"


@lru_cache(maxsize=1)
def selectable_zone_names() -> tuple[str, ...]:
    """Canonical region/city zones plus UTC, sorted."""
    names = {name for name in available_timezones() if name.split("/", 1)[0] in REGIONS and "/" in name}
    return ("UTC", *sorted(names))


def utc_offset_label(name: str, now: datetime) -> str:
    """``GMT+05:30`` for the zone's offset at ``now``.

    >>> from datetime import UTC
    >>> utc_offset_label("Asia/Kolkata", datetime(2026, 1, 1, tzinfo=UTC))
    'GMT+05:30'
    >>> utc_offset_label("America/New_York", datetime(2026, 7, 1, tzinfo=UTC))
    'GMT-04:00'
    """
    offset = now.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"GMT{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_choice(name: str, now: datetime) -> ZoneChoice:
    return ZoneChoice(name, f"{name.replace('_', ' ')} · {utc_offset_label(name, now)}")


def search_zones(query: str, now: datetime, limit: int = 40) -> list[ZoneChoice]:
    """Zones whose name or offset contains every word of ``query``; city-name prefix matches
    first. An empty query lists the first ``limit`` zones.

    >>> from datetime import UTC
    >>> [z.name for z in search_zones("new york", datetime(2026, 1, 1, tzinfo=UTC))]
    ['America/New_York']
    >>> [z.name for z in search_zones("kolk", datetime(2026, 1, 1, tzinfo=UTC))]
    ['Asia/Kolkata']
    >>> "Asia/Kolkata" in [z.name for z in search_zones("GMT+05:30", datetime(2026, 1, 1, tzinfo=UTC))]
    True
    """
    words = query.lower().replace("_", " ").split()
    matches: list[tuple[bool, ZoneChoice]] = []
    for name in selectable_zone_names():
        choice = zone_choice(name, now)
        haystack = choice.label.lower().replace("_", " ")
        if all(word in haystack for word in words):
            city = name.rsplit("/", 1)[-1].lower().replace("_", " ")
            matches.append((not (words and city.startswith(words[0])), choice))
    matches.sort(key=lambda match: match[0])  # stable: alphabetical within each group
    return [choice for _, choice in matches[:limit]]


# Files in the tz database that are not places: "Factory" (a zone whose abbreviation reads
# "-00", for machines with no zone set), "posixrules" and "localtime" (links used by C
# libraries). zoneinfo loads them, so they are refused by name.
NOT_PLACES = frozenset({"Factory", "posixrules", "localtime"})


def validate_timezone(name: str) -> str:
    """The IANA name of a zone the user gave; ``InvalidInput`` (field ``timezone``) otherwise.

    >>> validate_timezone(" Europe/Paris ")
    'Europe/Paris'
    >>> validate_timezone("Factory")
    Traceback (most recent call last):
    ...
    booking_app.errors.InvalidInput: Unknown time zone 'Factory'; pick one such as Europe/London.
    """
    cleaned = name.strip() if isinstance(name, str) else ""
    unknown = InvalidInput("timezone", f"Unknown time zone {name!r}; pick one such as Europe/London.")
    if cleaned in NOT_PLACES or cleaned not in _known_zone_names():
        raise unknown
    try:
        return load_timezone(cleaned).key
    except ValueError as exc:
        raise unknown from exc


@lru_cache(maxsize=1)
def _known_zone_names() -> frozenset[str]:
    """Every zone the tz database names (with aliases such as US/Eastern), as zoneinfo lists them."""
    return frozenset(available_timezones()) - NOT_PLACES
