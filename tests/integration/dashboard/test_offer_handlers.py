"""The session-type and availability pages' State handlers: the owner changes their offer;
another builder and an anonymous visitor change nothing of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from booking_app.offers import service as offers
from booking_app.pages.availability import AvailabilityState
from booking_app.pages.session_types import SessionTypesState
from tests.integration.dashboard.handlers import run_handler, state_for, token_for
from tests.integration.dashboard.test_dashboard import ada, rival  # noqa: F401 - fixtures
from tests.integration.payments.conftest import Shop

OFFER_TABLES = ("session_type", "weekly_window", "date_override", "date_override_window", "builder")


def _offer_rows(shop: Shop) -> dict[str, list[tuple]]:
    with shop.engine.connect() as connection:
        return {table: sorted(map(tuple, connection.execute(sa.text(f"SELECT * FROM {table}"))))
                for table in OFFER_TABLES}


def test_owner_creates_and_hides_a_session_type_and_sets_hours(shop: Shop, ada: int) -> None:  # noqa: F811
    state = state_for(SessionTypesState, token_for(ada))
    run_handler(SessionTypesState.load, state)
    before = len(state.session_types)
    run_handler(SessionTypesState.new_session_type, state)
    for field, value in (("title", "Pairing hour"), ("price", "0.10")):
        run_handler(SessionTypesState.set_form_field, state, field, value)
    run_handler(SessionTypesState.save, state)
    assert state.errors["price"].startswith("Stripe cannot take a payment under £0.30")
    assert len(offers.list_session_types(ada)) == before  # nothing written
    run_handler(SessionTypesState.set_form_field, state, "price", "80")
    run_handler(SessionTypesState.save, state)
    created = next(v for v in state.session_types if v.title == "Pairing hour")
    assert (created.price_amount, created.is_active, state.editor_open) == (8000, True, False)
    run_handler(SessionTypesState.set_active, state, created.id, False)
    assert not next(v for v in offers.list_session_types(ada) if v.id == created.id).is_active

    hours = state_for(AvailabilityState, token_for(ada))
    run_handler(AvailabilityState.load, hours)
    run_handler(AvailabilityState.add_window, hours, 5)  # Saturday
    run_handler(AvailabilityState.set_window, hours, 5, 0, 0, "10:00")
    run_handler(AvailabilityState.set_window, hours, 5, 0, 1, "00:00")  # the midnight that ends the day
    run_handler(AvailabilityState.save_weekly_hours, hours)
    assert hours.day_errors == [""] * 7
    saturday = offers.get_availability(ada).weekly[5].windows
    assert [(w.start, w.end) for w in saturday] == [("10:00", "24:00")]


def test_overlapping_hours_are_explained_and_nothing_is_saved(shop: Shop, ada: int) -> None:  # noqa: F811
    hours = state_for(AvailabilityState, token_for(ada))
    run_handler(AvailabilityState.load, hours)
    before = _offer_rows(shop)
    run_handler(AvailabilityState.add_window, hours, 0)
    run_handler(AvailabilityState.set_window, hours, 0, len(hours.hours[0]) - 1, 0, "10:00")
    run_handler(AvailabilityState.set_window, hours, 0, len(hours.hours[0]) - 1, 1, "11:00")
    run_handler(AvailabilityState.add_window, hours, 2)
    run_handler(AvailabilityState.set_window, hours, 2, len(hours.hours[2]) - 1, 0, "12:00")
    run_handler(AvailabilityState.set_window, hours, 2, len(hours.hours[2]) - 1, 1, "11:00")
    run_handler(AvailabilityState.save_weekly_hours, hours)
    assert "overlap" in hours.day_errors[0] and "09:00" in hours.day_errors[0]
    assert "before" in hours.day_errors[2]
    assert _offer_rows(shop) == before


@pytest.mark.parametrize("who", ["rival", "anonymous"])
def test_other_builders_and_anonymous_visitors_change_nothing(shop: Shop, ada: int, request, who: str) -> None:  # noqa: F811
    owner_override = date.today() + timedelta(days=10)
    offers.set_date_override(ada, owner_override, [])
    target = offers.list_session_types(ada)[0]
    before = _offer_rows(shop)
    token = token_for(request.getfixturevalue("rival")) if who == "rival" else ""

    types = state_for(SessionTypesState, token)
    loaded = run_handler(SessionTypesState.load, types)
    assert all(v.id != target.id for v in types.session_types)
    types.editing_id, types.form = target.id, {**types.form, "title": "Stolen", "price": "1"}
    run_handler(SessionTypesState.save, types)
    run_handler(SessionTypesState.set_active, types, target.id, False)

    hours = state_for(AvailabilityState, token)
    run_handler(AvailabilityState.load, hours)
    run_handler(AvailabilityState.remove_override, hours, owner_override.isoformat())

    if who == "anonymous":
        assert "/login/" in str(loaded)
        assert _offer_rows(shop) == before
    else:
        assert types.error  # refused with a message, e.g. not found among the rival's session types
        after = _offer_rows(shop)
        assert [row for row in after["session_type"] if row[0] == target.id] == \
               [row for row in before["session_type"] if row[0] == target.id]
        assert after["date_override"] == before["date_override"]
