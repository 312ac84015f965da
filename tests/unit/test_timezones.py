"""The zone picker's list and search (issue 18, defect 5): friendly names, canonical zones only,
search by city, country, abbreviation, long name and offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking_app.timezones import canonical_zone, search_zones, selectable_zone_names, zone_choice

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


def _names(query: str) -> list[str]:
    return [zone.name for zone in search_zones(query, WINTER, limit=400)]


def test_only_canonical_names_are_offered() -> None:
    names = selectable_zone_names()
    assert "Asia/Kolkata" in names and "Europe/Kyiv" in names and "UTC" in names
    assert not {"Asia/Calcutta", "Europe/Kiev", "US/Pacific", "America/Buenos_Aires", "Etc/GMT-1"} & set(names)


def test_friendly_labels() -> None:
    assert zone_choice("America/Los_Angeles", WINTER).label == "Pacific Time — Los Angeles · GMT-08:00"
    assert zone_choice("Asia/Kolkata", WINTER).label == "India Time — Kolkata · GMT+05:30"
    assert zone_choice("Europe/Kyiv", WINTER).label == "Ukraine — Kyiv · GMT+02:00"
    assert zone_choice("UTC", WINTER).label == "UTC · GMT+00:00"


@pytest.mark.parametrize(("query", "expected"), [
    ("GMT+5:30", "Asia/Kolkata"), ("utc+05:30", "Asia/Kolkata"), ("+5:30", "Asia/Kolkata"),
    ("PST", "America/Los_Angeles"), ("Pacific Time", "America/Los_Angeles"), ("los ang", "America/Los_Angeles"),
    ("India", "Asia/Kolkata"), ("kolk", "Asia/Kolkata"), ("Calcutta", "Asia/Kolkata"), ("germany", "Europe/Berlin"),
    ("CET", "Europe/Berlin"), ("new york", "America/New_York"), ("Argentina", "America/Argentina/Buenos_Aires"),
])
def test_search_by_city_country_abbreviation_long_name_and_offset(query: str, expected: str) -> None:
    assert expected in _names(query)


def test_a_city_that_starts_with_the_query_comes_first() -> None:
    assert _names("berlin")[0] == "Europe/Berlin"


def test_old_names_a_browser_reports_map_to_the_canonical_zone() -> None:
    assert canonical_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert canonical_zone("Europe/Kiev") == "Europe/Kyiv"
    assert canonical_zone("US/Pacific") == "America/Los_Angeles"
    assert canonical_zone("Europe/Berlin") == "Europe/Berlin"
    assert canonical_zone("Not/AZone") is None
