"""The slots endpoint writes its JSON directly (``public.slot_list_json``); it must be the very
text pydantic writes for the ``SlotList`` model, whatever the zones and instants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from booking_app.api.public import slot_list_json, slot_list_model
from booking_app.scheduling.availability import OfferedSlot
from booking_app.scheduling.queries import SlotListing

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe",
         "Pacific/Chatham", "Pacific/Kiritimati", "UTC", "Africa/Monrovia", "Europe/Amsterdam"]


def listing(zone: str, slots: list[OfferedSlot], builder_zone: str = "Europe/London") -> SlotListing:
    return SlotListing(session_type=None, builder=SimpleNamespace(timezone=builder_zone), timezone=zone, slots=slots)


def assert_same_text(session_type_id: int, value: SlotListing) -> None:
    expected = slot_list_model(session_type_id, value).model_dump_json()
    assert slot_list_json(session_type_id, value) == expected
    json.loads(expected)


instants = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
minute_instants = instants.map(lambda d: d.replace(second=0, microsecond=0))


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), builder_zone=st.sampled_from(ZONES),
       starts=st.lists(st.one_of(minute_instants, instants), max_size=12),
       minutes=st.integers(1, 600), seats=st.integers(0, 40), kind=st.integers(1, 2**31 - 1))
def test_direct_json_is_what_pydantic_writes(zone, builder_zone, starts, minutes, seats, kind) -> None:
    slots = [OfferedSlot(s, s + timedelta(minutes=minutes), seats) for s in sorted(starts)]
    assert_same_text(kind, listing(zone, slots, builder_zone))


def test_ordinary_month_and_the_empty_list() -> None:
    first = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)  # across London's change on 25 October
    slots = [OfferedSlot(first + timedelta(hours=h), first + timedelta(hours=h, minutes=30), 1) for h in range(0, 400, 3)]
    for zone in ZONES:
        assert_same_text(7, listing(zone, slots))
    assert_same_text(7, listing("Asia/Tokyo", []))
