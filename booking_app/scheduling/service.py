"""The scheduling service: the one entry point for session types, availability, holds and
booking transitions, and the only code that writes bookings.

Its parts live beside it — ``queries`` (reads), ``holds`` (reserving a slot), ``transitions``
(guarded status changes), ``guards`` (the double-booking checks and locks) — and are
re-exported here; builder-scoped operations, which check the acting user, are defined here.

No double booking: ``create_hold`` checks and inserts inside one write transaction. On
PostgreSQL the ``booking_no_overlap`` exclusion constraint and the seat index refuse a second
booking of the same time even when two transactions check at the same moment (holds are also
serialised per builder, which avoids the constraint's deadlocks); on SQLite the transaction
begins with ``BEGIN IMMEDIATE`` and so holds the database's single write lock. Every status
change is a compare-and-swap on the current status, so repeated or concurrent calls change
nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from booking_app import messages
from booking_app.errors import Forbidden, NotFound
from booking_app.models import Booking, BookingStatus, Builder, CancelledBy
from booking_app.scheduling.holds import HoldRequest, create_hold
from booking_app.scheduling.queries import (
    MAX_RANGE_DAYS,
    BookingDetails,
    SlotListing,
    available_slots,
    get_booking_by_token,
    get_session_type,
    list_bookable_builders,
    list_session_types,
)
from booking_app.scheduling.transitions import (
    cancel_booking,
    cancel_expired_booking,
    confirm_booking,
    confirm_statement,
    expire_hold,
    expire_stale_holds,
    extend_hold,
    reactivate_expired_booking,
)

__all__ = [
    "MAX_RANGE_DAYS", "BookingDetails", "HoldRequest", "SlotListing", "available_slots", "builder_of",
    "cancel_booking", "cancel_booking_as_builder", "cancel_expired_booking", "confirm_booking", "confirm_statement", "create_hold",
    "expire_hold", "expire_stale_holds", "extend_hold", "get_booking_by_token", "get_builder_booking",
    "get_session_type", "list_bookable_builders", "list_builder_bookings", "list_session_types", "reactivate_expired_booking",
]


def builder_of(session: Session, actor_user_id: int | None) -> Builder:
    """The builder profile of the acting user; ``Forbidden`` for anyone else."""
    builder = None
    if actor_user_id is not None:
        builder = session.exec(select(Builder).where(Builder.user_id == actor_user_id)).first()
    if builder is None:
        raise Forbidden("Please sign in as a builder to do this.")
    return builder


def list_builder_bookings(
    session: Session, *, actor_user_id: int | None, statuses: tuple[BookingStatus, ...] | None = None
) -> list[Booking]:
    builder = builder_of(session, actor_user_id)
    query = select(Booking).where(Booking.builder_id == builder.id)
    if statuses:
        query = query.where(Booking.status.in_(statuses))
    return list(session.exec(query.order_by(Booking.start_at)))


def get_builder_booking(session: Session, *, actor_user_id: int | None, booking_id: int) -> Booking:
    builder = builder_of(session, actor_user_id)
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(messages.BOOKING_NOT_FOUND)
    if booking.builder_id != builder.id:
        raise Forbidden(messages.NOT_YOUR_BOOKING)
    return booking


def cancel_booking_as_builder(
    session: Session, *, actor_user_id: int | None, booking_id: int, now: datetime, reason: str = ""
) -> bool:
    booking = get_builder_booking(session, actor_user_id=actor_user_id, booking_id=booking_id)
    return cancel_booking(session, booking.id, now=now, by=CancelledBy.BUILDER, reason=reason)
