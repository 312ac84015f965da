"""The scheduling service on SQLite and PostgreSQL: reads, holds, limits and transitions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from booking_app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from booking_app.models import Booking, BookingStatus, CancelledBy
from booking_app.bookings import holds, queries, transitions
from booking_app.scheduling import service
from booking_app.bookings.holds import HoldRequest
from tests.factories import make_builder
from tests.integration.scheduling.conftest import MONDAY_9, NOW, Offer


def hold(offer: Offer, start=MONDAY_9, *, kind=None, email="grace@example.com", client="10.0.0.1", now=NOW, **extra):
    request = HoldRequest(
        session_type_id=(kind or offer.paid).id, start=start, name=extra.pop("name", "Grace Hopper"), email=email,
        timezone=extra.pop("timezone", "America/New_York"), notes=extra.pop("notes", ""), client_address=client,
    )
    return holds.create_hold(request, now=now, engine=offer.engine)


def slot_starts(offer: Offer, kind=None, *, day=date(2026, 12, 7), now=NOW, timezone="Europe/London"):
    with Session(offer.engine) as session:
        listing = service.available_slots(session, session_type_id=(kind or offer.paid).id, first_day=day,
                                          last_day=day, timezone=timezone, now=now)
    return [s.start for s in listing.slots]


def booking_count(offer: Offer) -> int:
    with Session(offer.engine) as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


def test_list_session_types_gives_active_ones_in_display_order(offer: Offer) -> None:
    with Session(offer.engine) as session:
        builder, kinds = service.list_session_types(session, "ADA")
        assert builder.id == offer.builder.id
        assert [k.slug for k in kinds] == ["intro", "build", "deep", "workshop"]
        with pytest.raises(NotFound):
            service.list_session_types(session, "nobody")


def test_available_slots_cover_customer_local_dates(offer: Offer) -> None:
    # 7 Dec in Tokyo is [6 Dec 15:00, 7 Dec 15:00) UTC: Monday's starts up to 14:00 London.
    starts = slot_starts(offer, timezone="Asia/Tokyo")
    assert [s.hour for s in starts] == [9, 10, 11, 12, 13, 14]
    assert all(s.tzinfo is not None for s in starts)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(date(2026, 12, 7), date(2027, 3, 10), "end"), (date(2026, 12, 8), date(2026, 12, 7), "end")],
)
def test_available_slots_refuse_bad_ranges(offer: Offer, first: date, last: date, field: str) -> None:
    with Session(offer.engine) as session, pytest.raises(InvalidInput) as raised:
        service.available_slots(session, session_type_id=offer.paid.id, first_day=first, last_day=last,
                                timezone="Europe/London", now=NOW)
    assert raised.value.field == field


def test_available_slots_refuse_unknown_zone_and_inactive_type(offer: Offer) -> None:
    with Session(offer.engine) as session:
        with pytest.raises(InvalidInput) as raised:
            service.available_slots(session, session_type_id=offer.paid.id, first_day=date(2026, 12, 7),
                                    last_day=date(2026, 12, 7), timezone="Mars/Olympus", now=NOW)
        assert raised.value.field == "timezone"
        with pytest.raises(NotFound):
            service.available_slots(session, session_type_id=999, first_day=date(2026, 12, 7),
                                    last_day=date(2026, 12, 7), timezone="UTC", now=NOW)


def test_paid_hold_freezes_price_and_blocks_time_until_it_expires(offer: Offer) -> None:
    booking = hold(offer, notes="  Bring the repo  ")
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert booking.hold_expires_at == NOW + timedelta(minutes=30)
    assert (booking.amount, booking.currency, booking.customer_notes) == (15000, "gbp", "Bring the repo")
    assert (booking.blocked_start, booking.blocked_end) == (MONDAY_9, MONDAY_9 + timedelta(minutes=75))
    assert len(booking.public_token) >= 22
    assert MONDAY_9 not in slot_starts(offer)
    # 10:00 is free for a 60 minute session? No: the hold's 15 minute buffer runs to 10:15.
    assert MONDAY_9 + timedelta(hours=1) not in slot_starts(offer)
    # Lazily released on read once the hold has expired, before any sweep ran.
    later = NOW + timedelta(minutes=31)
    assert MONDAY_9 in slot_starts(offer, now=later)
    with Session(offer.engine) as session:
        assert transitions.expire_stale_holds(session, now=later) == [booking.id]
        assert transitions.expire_stale_holds(session, now=later) == []
        session.commit()
        assert session.get(Booking, booking.id).status == BookingStatus.EXPIRED


def test_free_session_is_confirmed_at_once(offer: Offer) -> None:
    booking = hold(offer, kind=offer.free)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.hold_expires_at is None and booking.amount == 0


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (MONDAY_9 + timedelta(minutes=10), "not one of the offered times"),
        (NOW - timedelta(hours=1), "already passed"),
        (MONDAY_9 + timedelta(days=61), "too far ahead"),
        (MONDAY_9 + timedelta(days=5), "not one of the offered times"),  # Saturday
    ],
)
def test_hold_refuses_times_that_are_not_offered(offer: Offer, start, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        hold(offer, start=start)
    assert raised.value.field == "start" and message in raised.value.message
    assert booking_count(offer) == 0


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("name", {"name": "   "}),
        ("name", {"name": "x" * 201}),
        ("email", {"email": "grace@@example"}),
        ("email", {"email": "grace@example.invalid"}),
        ("notes", {"notes": "x" * 5001}),
        ("timezone", {"timezone": "Europe/Atlantis"}),
    ],
)
def test_hold_refuses_bad_customer_details(offer: Offer, field: str, overrides: dict) -> None:
    with pytest.raises(InvalidInput) as raised:
        hold(offer, **overrides)
    assert raised.value.field == field
    assert booking_count(offer) == 0


def test_naive_start_is_refused(offer: Offer) -> None:
    with pytest.raises(InvalidInput) as raised:
        hold(offer, start=MONDAY_9.replace(tzinfo=None))
    assert raised.value.field == "start"


def test_taken_and_overlapping_times_conflict_and_write_nothing(offer: Offer) -> None:
    hold(offer)
    with pytest.raises(Conflict, match="just taken"):
        hold(offer, email="other@example.com", client="10.0.0.2")
    # A 90 minute session at 08:30? Not offered. At 09:30 it would overlap the hold.
    assert MONDAY_9 + timedelta(minutes=30) not in slot_starts(offer, offer.long)
    with pytest.raises(Conflict):
        hold(offer, start=MONDAY_9 + timedelta(minutes=30), kind=offer.long, email="x@example.com", client="10.0.0.3")
    assert booking_count(offer) == 1


def test_unpaid_holds_are_limited_per_email_and_per_client(offer: Offer) -> None:
    for hour in range(3):
        hold(offer, start=MONDAY_9 + timedelta(hours=2 * hour))
    with pytest.raises(TooManyRequests, match="3 unpaid"):
        hold(offer, start=MONDAY_9 + timedelta(days=1))
    with pytest.raises(TooManyRequests):
        hold(offer, start=MONDAY_9 + timedelta(days=1), email="new@example.com")  # same client
    # Free sessions are not holds; another person on another network is unaffected.
    hold(offer, start=MONDAY_9 + timedelta(days=1), kind=offer.free)
    hold(offer, start=MONDAY_9 + timedelta(days=2), email="new@example.com", client="10.9.9.9")
    assert booking_count(offer) == 5


def test_group_session_sells_each_seat_once(offer: Offer) -> None:
    tuesday_9 = MONDAY_9 + timedelta(days=1)
    seats = [hold(offer, start=tuesday_9, kind=offer.group, email=f"p{i}@example.com", client=f"10.1.0.{i}").seat
             for i in range(3)]
    assert sorted(seats) == [1, 2, 3]
    assert tuesday_9 not in slot_starts(offer, offer.group, day=date(2026, 12, 8))
    with pytest.raises(Conflict):
        hold(offer, start=tuesday_9, kind=offer.group, email="late@example.com", client="10.1.0.9")
    # The group blocks the builder's time for one-to-one sessions too.
    assert tuesday_9 not in slot_starts(offer, day=date(2026, 12, 8))


def test_group_session_shows_seats_left(offer: Offer) -> None:
    tuesday_9 = MONDAY_9 + timedelta(days=1)
    hold(offer, start=tuesday_9, kind=offer.group)
    with Session(offer.engine) as session:
        listing = service.available_slots(session, session_type_id=offer.group.id, first_day=date(2026, 12, 8),
                                          last_day=date(2026, 12, 8), timezone="Europe/London", now=NOW)
    seats = {s.start: s.seats_left for s in listing.slots}
    assert seats[tuesday_9] == 2 and seats[tuesday_9 + timedelta(hours=1)] == 3


def test_transitions_happen_once(offer: Offer) -> None:
    booking = hold(offer)
    with Session(offer.engine) as session:
        assert transitions.confirm_paid(session.connection(), booking.id, amount=15000, currency="gbp", now=NOW) is True
        assert transitions.confirm_paid(session.connection(), booking.id, amount=15000, currency="gbp", now=NOW) is False
        assert transitions.expire_hold(session, booking.id, now=NOW) is False
        assert transitions.cancel(session, booking.id, now=NOW, by=CancelledBy.CUSTOMER) is True
        assert transitions.cancel(session, booking.id, now=NOW, by=CancelledBy.BUILDER) is False
        session.commit()
        stored = session.get(Booking, booking.id)
        assert stored.status == BookingStatus.CANCELLED and stored.cancelled_by == CancelledBy.CUSTOMER
    assert MONDAY_9 in slot_starts(offer)  # a cancelled booking frees its time


def test_booking_by_token_and_unknown_tokens(offer: Offer) -> None:
    booking = hold(offer)
    with Session(offer.engine) as session:
        details = queries.by_token(session, booking.public_token)
        assert details.booking.id == booking.id and details.builder.slug == "ada"
        near_miss = booking.public_token[:-1] + ("B" if booking.public_token.endswith("A") else "A")
        for token in ("nope", near_miss, "x" * 500):
            with pytest.raises(NotFound):
                queries.by_token(session, token)


def test_builder_operations_refuse_other_builders_and_anonymous(offer: Offer) -> None:
    booking = hold(offer)
    with Session(offer.engine) as session:
        intruder = make_builder(session, slug="mallory")
        session.commit()
        with pytest.raises(Forbidden):
            queries.for_builder(session, actor_user_id=None, booking_id=booking.id)
        # Issue 19, finding 14: another builder's booking is "not found", exactly like an unknown id.
        with pytest.raises(NotFound) as foreign:
            queries.for_builder(session, actor_user_id=intruder.user_id, booking_id=booking.id)
        with pytest.raises(NotFound) as unknown:
            queries.for_builder(session, actor_user_id=offer.builder.user_id, booking_id=booking.id + 1000)
        assert foreign.value.message == unknown.value.message
        owner = offer.builder.user_id
        assert queries.for_builder(session, actor_user_id=owner, booking_id=booking.id).booking.id == booking.id
