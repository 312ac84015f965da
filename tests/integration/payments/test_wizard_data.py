"""The wizard's data layer over the real services, the SDK and the emulator, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_app import messages
from booking_app.errors import Conflict
from booking_app.models import BookingStatus, PaymentStatus
from booking_app.pages import wizard_data as data
from tests.integration.payments.conftest import Shop


def _slot(shop: Shop, kind, timezone: str = "Europe/Paris", index: int = 0) -> data.SlotChoice:
    slots = data.load_slots(kind.id, timezone, datetime.now(UTC))
    return slots[shop.day.isoformat()][index]


def _reserve(shop: Shop, kind, start: str, email: str = "ada@example.com"):
    return data.reserve_slot(session_type_id=kind.id, start_iso=start, name="Ada Lovelace", email=email, notes="",
                             timezone="Europe/Paris", client_address="198.51.100.7", now=datetime.now(UTC))


def test_offer_lists_active_session_types_with_prices(shop: Shop) -> None:
    builder, cards = data.load_offer("ada")
    assert builder.initials and builder.timezone == "Europe/London"
    assert [(c.slug, c.price, c.duration) for c in cards][:3] == [
        ("intro", "Free", "15 min"), ("build", "£150.00", "1 h"), ("deep", "£210.00", "1 h 30 min")]
    assert "retired" not in [c.slug for c in cards]
    assert data.load_offer("nobody") is None


def test_slots_are_grouped_by_the_customers_date_with_both_clocks(shop: Shop) -> None:
    now = datetime.now(UTC)
    slots = data.load_slots(shop.offer.paid.id, "Asia/Kolkata", now)
    assert slots, "the London builder has weekday hours"
    kolkata, london = ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London")
    for day, choices in slots.items():
        for choice in choices:
            start = datetime.fromisoformat(choice.start)
            assert start.astimezone(kolkata).date().isoformat() == day
            assert choice.time_24h == f"{start.astimezone(kolkata):%H:%M}"
            assert choice.builder_24h == f"{start.astimezone(london):%H:%M}"
            assert choice.time_12h.endswith(("am", "pm"))
    # 09:00 in London is 14:30 (winter) or 13:30 (summer) in Kolkata: a half-hour zone.
    assert {c.time_24h[-2:] for cs in slots.values() for c in cs} <= {"00", "30"}


def test_reserving_a_paid_slot_opens_checkout_and_a_second_customer_gets_the_conflict(shop: Shop) -> None:
    choice = _slot(shop, shop.offer.paid)
    reservation = _reserve(shop, shop.offer.paid, choice.start)
    assert reservation.status == BookingStatus.PENDING_PAYMENT
    assert "/api/stripe-emulator/pay/cs_test_" in reservation.checkout_url
    with pytest.raises(Conflict) as taken:
        _reserve(shop, shop.offer.paid, choice.start, email="grace@example.com")
    assert taken.value.message == messages.SLOT_TAKEN
    # The held time is no longer offered.
    assert choice.start not in [c.start for c in data.load_slots(shop.offer.paid.id, "Europe/Paris",
                                                                  datetime.now(UTC)).get(shop.day.isoformat(), [])]


def test_free_session_is_confirmed_without_checkout(shop: Shop) -> None:
    reservation = _reserve(shop, shop.offer.free, _slot(shop, shop.offer.free).start)
    assert reservation.status == BookingStatus.CONFIRMED and reservation.checkout_url is None


def test_back_from_checkout_then_choose_another_time_releases_the_hold(shop: Shop) -> None:
    choice = _slot(shop, shop.offer.paid)
    reservation = _reserve(shop, shop.offer.paid, choice.start)
    hold = data.load_returned_hold(reservation.token, "ada", datetime.now(UTC))
    assert (hold.status, hold.start, hold.email, hold.timezone) == (
        "pending_payment", datetime.fromisoformat(choice.start).isoformat(), "ada@example.com", "Europe/Paris")
    assert data.load_returned_hold(reservation.token, "someone-else", datetime.now(UTC)) is None
    assert data.load_returned_hold("no-such-token", "ada", datetime.now(UTC)) is None
    # Past its expiry the hold reads as expired even before the sweeper has run.
    later = hold.hold_expires_at + timedelta(seconds=1)
    assert data.load_returned_hold(reservation.token, "ada", later).status == "expired"

    data.release_hold(reservation.token, datetime.now(UTC))
    shop.run_jobs()  # the job runner closes its Checkout Session
    shop.deliver()  # the emulator reports the Checkout Session it closed
    booking, payments, _ = shop.rows(reservation.token)
    assert booking.status == BookingStatus.CANCELLED
    assert [p.status for p in payments] == [PaymentStatus.EXPIRED]
    assert choice.start in [c.start for c in data.load_slots(shop.offer.paid.id, "Europe/Paris",
                                                              datetime.now(UTC))[shop.day.isoformat()]]
    with pytest.raises(Conflict):  # nothing left to pay for
        data.retry_checkout(reservation.token, datetime.now(UTC))


def test_retry_checkout_opens_a_new_session_while_the_hold_lasts(shop: Shop) -> None:
    reservation = _reserve(shop, shop.offer.paid, _slot(shop, shop.offer.paid).start)
    again = data.retry_checkout(reservation.token, datetime.now(UTC))
    assert again != reservation.checkout_url
    _, payments, _ = shop.rows(reservation.token)
    assert [p.attempt for p in payments] == [1, 2]


@pytest.mark.parametrize(
    ("name", "email", "notes", "errors"),
    [
        ("Ada", "ada@example.com", "", ("", "", "")),
        ("  ", "ada@example.com", "", ("Please enter your name.", "", "")),
        ("Ada", "", "", ("", "Please enter your e-mail address.", "")),
        ("Ada", "ada@", "", ("", None, "")),
        ("x" * 201, "ada@example.com", "n" * 5001, ("Keep your name to 200 characters or fewer.", "",
                                                     "Notes can be at most 5,000 characters.")),
    ],
)
def test_details_are_checked_with_messages_per_field(name: str, email: str, notes: str, errors: tuple) -> None:
    """``None``: some message, worded by email-validator."""
    result = data.check_details(name, email, notes)
    assert result.name == errors[0] and result.notes == errors[2]
    assert result.email.startswith("Please enter a valid e-mail address") if errors[1] is None else result.email == errors[1]
    assert result.ok == (errors == ("", "", ""))
