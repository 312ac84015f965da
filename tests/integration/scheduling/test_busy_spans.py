"""Busy time as availability reads it (``availability.busy_spans``), on SQLite and PostgreSQL.

``busy_spans`` reads the timestamps as text and parses them itself instead of going through
``UTCDateTime``; it must give exactly what the ORM gives, and count exactly the bookings that
block time: confirmed ones and holds that have not expired (marked expired or not).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from booking_app.models import Booking, BookingStatus, CancelledBy
from booking_app.bookings import holds, queries, transitions
from booking_app.scheduling import service
from booking_app.scheduling.availability import busy_spans, occupies_time
from booking_app.bookings.holds import HoldRequest
from booking_app.tokens import new_booking_token
from tests.integration.scheduling.conftest import MONDAY_9, NOW, Offer

HOUR = timedelta(hours=1)


def _hold(offer: Offer, start: datetime, email: str, *, now: datetime = NOW, kind=None) -> Booking:
    request = HoldRequest(session_type_id=(kind or offer.paid).id, start=start, name="Grace Hopper", email=email,
                          timezone="Europe/London", client_address=email)
    return holds.create_hold(request, now=now, engine=offer.engine)


def test_busy_spans_are_the_blocking_bookings_as_utc_datetimes(offer: Offer) -> None:
    live = _hold(offer, MONDAY_9, "live@example.com")
    confirmed = _hold(offer, MONDAY_9 + 2 * HOUR, "confirmed@example.com")
    free = _hold(offer, MONDAY_9 + 4 * HOUR, "free@example.com", kind=offer.free)  # confirmed at once
    cancelled = _hold(offer, MONDAY_9 + 7 * HOUR, "cancelled@example.com")
    # Made two hours ago: its 30-minute hold has run out, though nothing marked it expired.
    stale = _hold(offer, MONDAY_9 + 5 * HOUR, "stale@example.com", now=NOW - 2 * HOUR)
    with Session(offer.engine) as session:
        assert transitions.confirm_paid(session.connection(), confirmed.id, amount=15000, currency="gbp", now=NOW)
        assert transitions.cancel(session, cancelled.id, now=NOW, by=CancelledBy.CUSTOMER)
        # Sub-second instants survive the text round trip.
        odd = MONDAY_9 + timedelta(days=1, minutes=7, seconds=3, microseconds=123456)
        token = new_booking_token()
        session.add(Booking(
            public_token=token, builder_id=offer.builder.id, session_type_id=offer.paid.id, start_at=odd,
            end_at=odd + HOUR, blocked_start=odd - timedelta(microseconds=5), blocked_end=odd + HOUR,
            occupancy_key=f"booking:{token}", seat=1, customer_name="Odd", customer_email="odd@example.com",
            customer_timezone="UTC", status=BookingStatus.CONFIRMED, amount=0, currency="gbp",
            confirmed_at=NOW, created_at=NOW, updated_at=NOW))
        session.commit()

    lo, hi = MONDAY_9 - 12 * HOUR, MONDAY_9 + 3 * 24 * HOUR
    with Session(offer.engine) as session:
        spans = busy_spans(session, offer.builder.id, lo, hi, NOW)
        orm = session.exec(select(Booking).where(Booking.builder_id == offer.builder.id, occupies_time(NOW))).all()

    assert sorted(spans) == sorted((b.blocked_start, b.blocked_end) for b in orm)
    assert all(value.tzinfo is UTC for span in spans for value in span)
    starts = {start for start, _ in spans}
    assert {live.blocked_start, confirmed.blocked_start, free.blocked_start, odd - timedelta(microseconds=5)} == starts
    assert stale.blocked_start not in starts and cancelled.blocked_start not in starts
    with Session(offer.engine) as session:
        assert session.get(Booking, stale.id).status == BookingStatus.PENDING_PAYMENT
    # Only spans reaching into [lo, hi): a window that ends where the live hold starts has none.
    with Session(offer.engine) as session:
        assert busy_spans(session, offer.builder.id, lo, live.blocked_start, NOW) == []
        assert busy_spans(session, offer.builder.id, lo, live.blocked_start + timedelta(microseconds=1), NOW) == [
            (live.blocked_start, live.blocked_end)]
