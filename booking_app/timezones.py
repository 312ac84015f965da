"""The time zones a customer can pick, and a search over them for the wizard's picker.

The list is the canonical IANA zones people live in (``zone.tab``: ``Asia/Kolkata``, not
``Asia/Calcutta``, ``Etc/GMT-1`` or ``US/Eastern``), from ``tzdata``, with friendly English
names from Babel's CLDR data ("Pacific Time — Los Angeles · GMT-08:00"); old names a browser
may report map to their canonical zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import get_timezone, get_timezone_name

from booking_app.errors import InvalidInput
from booking_app.scheduling.slots import load_timezone

UTC_NAME = "UTC"
_OFFSET_QUERY = re.compile(r"(?:\b(?:gmt|utc)\s*)?([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?\b")


@dataclass(frozen=True)
class ZoneChoice:
    name: str  # IANA name, what is stored and sent
    label: str  # "Central European Time — Berlin · GMT+01:00"


def _tz_data_file(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Canonical zone → ISO country code, from the tz database's ``zone.tab`` (one line per
    country and zone: the zones people live in, without old names such as Asia/Calcutta)."""
    return {columns[2]: columns[0] for columns in _tz_data_file("zone.tab") if len(columns) >= 3}


@lru_cache(maxsize=1)
def selectable_zone_names() -> tuple[str, ...]:
    """UTC, then the canonical zones of ``zone.tab`` that this machine can load, sorted."""
    known = _known_zone_names()
    return (UTC_NAME, *sorted(name for name in _zone_countries() if name in known))


def _zone_bytes(name: str) -> bytes:
    return resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Every other name the tz database knows (``Asia/Calcutta``, ``US/Pacific``,
    ``Europe/Kiev``) → the canonical zone with the same rules (the same city if several)."""
    by_rules: dict[bytes, list[str]] = {}
    for name in selectable_zone_names()[1:]:
        try:
            by_rules.setdefault(_zone_bytes(name), []).append(name)
        except (FileNotFoundError, OSError):
            continue
    aliases: dict[str, str] = {"Etc/UTC": UTC_NAME, "Etc/Universal": UTC_NAME, "Etc/Zulu": UTC_NAME,
                               "Universal": UTC_NAME, "Zulu": UTC_NAME, "Etc/GMT": UTC_NAME, "GMT": UTC_NAME,
                               "Etc/UCT": UTC_NAME, "UCT": UTC_NAME}
    canonical = set(selectable_zone_names())
    for name in _known_zone_names() - canonical:
        if name in aliases:
            continue
        try:
            candidates = by_rules.get(_zone_bytes(name), [])
        except (FileNotFoundError, OSError):
            continue
        if candidates:
            city = name.rsplit("/", 1)[-1]
            aliases[name] = next((c for c in candidates if c.rsplit("/", 1)[-1] == city), candidates[0])
    return aliases


def canonical_zone(name: str) -> str | None:
    """The zone to offer for a name a browser reports: itself when canonical, the canonical
    zone for an old or alias name (``Asia/Calcutta`` → ``Asia/Kolkata``), else None.

    >>> canonical_zone("Asia/Calcutta"), canonical_zone("Europe/Paris"), canonical_zone("Mars/Olympus")
    ('Asia/Kolkata', 'Europe/Paris', None)
    """
    if not isinstance(name, str):
        return None
    if name in _selectable_set():
        return name
    return _aliases().get(name)


@lru_cache(maxsize=1)
def _selectable_set() -> frozenset[str]:
    return frozenset(selectable_zone_names())


@lru_cache(maxsize=None)
def _describe(name: str) -> tuple[str, str, str]:
    """(friendly name, city, country) in English, from Babel's CLDR data: "Pacific Time",
    "Los Angeles", "United States". The friendly name is the zone's common long name, or the
    country where CLDR has none for it."""
    if name == UTC_NAME:
        return UTC_NAME, "", ""
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    code = _zone_countries().get(name, "")
    country = Locale("en").territories.get(code, "") if code else ""
    try:
        generic = get_timezone_name(get_timezone(name), "long", locale="en", zone_variant="generic")
    except (LookupError, ValueError):
        generic = ""
    if not generic or "(" in generic or "Unknown" in generic:
        generic = country or city
    return generic, city, country


def _label(name: str, offset: str) -> str:
    generic, city, _ = _describe(name)
    return f"{generic} — {city} · {offset}" if city else f"{generic} · {offset}"


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
    """The zone as the picker shows it.

    >>> from datetime import UTC
    >>> zone_choice("America/Los_Angeles", datetime(2026, 1, 1, tzinfo=UTC)).label
    'Pacific Time — Los Angeles · GMT-08:00'
    """
    return ZoneChoice(name, _label(name, utc_offset_label(name, now)))


@lru_cache(maxsize=4)
def _abbreviations(year: int) -> dict[str, str]:
    """Each zone's lettered abbreviations in winter and summer of ``year`` ("pst pdt")."""
    found: dict[str, str] = {}
    for name in selectable_zone_names():
        zone = ZoneInfo(name)
        names = {datetime(year, month, 1, 12, tzinfo=zone).tzname() or "" for month in (1, 7)}
        found[name] = " ".join(sorted(n.lower() for n in names if n.isalpha()))
    return found


@lru_cache(maxsize=1)
def _alias_words() -> dict[str, str]:
    words: dict[str, list[str]] = {}
    for alias, name in _aliases().items():
        words.setdefault(name, []).append(alias.lower().replace("_", " "))
    return {name: " ".join(found) for name, found in words.items()}


def _normalise_query(query: str) -> list[str]:
    """Words of the query, offsets written as the labels write them ("+5:30" → "gmt+05:30")."""
    def offset(match: re.Match) -> str:
        sign = "-" if match.group(1) in "-\u2212" else "+"
        return f" gmt{sign}{int(match.group(2)):02d}:{match.group(3) or '00'} "

    return _OFFSET_QUERY.sub(offset, query.lower().replace("_", " ")).split()


def search_zones(query: str, now: datetime, limit: int = 40) -> list[ZoneChoice]:
    """Zones whose friendly name, city, country, IANA name (or an old name of it), abbreviation
    or current offset contains every word of ``query``; city-name prefix matches first. An
    empty query lists the first ``limit`` zones.

    >>> from datetime import UTC
    >>> [z.name for z in search_zones("new york", datetime(2026, 1, 1, tzinfo=UTC))]
    ['America/New_York']
    >>> [z.name for z in search_zones("kolk", datetime(2026, 1, 1, tzinfo=UTC))]
    ['Asia/Kolkata']
    >>> "Asia/Kolkata" in [z.name for z in search_zones("GMT+5:30", datetime(2026, 1, 1, tzinfo=UTC))]
    True
    """
    words = _normalise_query(query)
    abbreviations, alias_words = _abbreviations(now.year), _alias_words()
    matches: list[tuple[bool, ZoneChoice]] = []
    for name in selectable_zone_names():
        choice = zone_choice(name, now)
        _, city, country = _describe(name)
        haystack = " ".join((choice.label.lower(), name.lower().replace("_", " "), country.lower(),
                             abbreviations.get(name, ""), alias_words.get(name, "")))
        if all(word in haystack for word in words):
            matches.append((not (words and city.lower().startswith(words[0])), choice))
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
