"""Finding a booking: by its private link (the customer) or by id for its builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking_app import messages
from booking_app.errors import NotFound
from booking_app.models import Booking, BookingStatus, Builder, SessionType
from booking_app.scheduling.service import builder_of


@dataclass(frozen=True)
class BookingDetails:
    booking: Booking
    session_type: SessionType
    builder: Builder


_DETAILS = (select(Booking, SessionType, Builder)
            .join(SessionType, col(SessionType.id) == Booking.session_type_id)
            .join(Builder, col(Builder.id) == Booking.builder_id))


def by_token(session: Session, token: str, *, for_update: bool = False) -> BookingDetails:
    """The booking behind a private link. The lookup is the same indexed query for any token,
    well-formed or not, so response times do not hint at which tokens exist."""
    query = _DETAILS.where(Booking.public_token == token[:64])
    if for_update:
        query = query.with_for_update(of=Booking)
    row = session.exec(query).first()
    if row is None:
        raise NotFound(messages.BOOKING_NOT_FOUND)
    return BookingDetails(*row)


def for_builder(session: Session, *, actor_user_id: int | None, booking_id: int,
                for_update: bool = False) -> BookingDetails:
    """One booking of the acting builder: ``Forbidden`` for nobody signed in / not a builder;
    ``NotFound`` for an unknown id *and* for another builder's booking (the same answer, so
    that ids cannot be probed)."""
    builder = builder_of(session, actor_user_id)
    query = _DETAILS.where(Booking.id == booking_id)
    if for_update:
        query = query.with_for_update(of=Booking)
    row = session.exec(query).first()
    details = BookingDetails(*row) if row is not None else None
    if details is None or details.booking.builder_id != builder.id:
        raise NotFound(messages.BUILDER_BOOKING_NOT_FOUND)
    return details


def upcoming_for_email(session: Session, address: str, *, now: datetime, limit: int = 50) -> list[BookingDetails]:
    """An address's bookings still ahead: confirmed ones and holds that have not run out,
    soonest first ("find my bookings")."""
    rows = session.exec(_DETAILS.where(Booking.customer_email == address, Booking.end_at > now,
                                       col(Booking.status).in_(BookingStatus.active()))
                        .order_by(Booking.start_at).limit(limit)).all()
    return [BookingDetails(*row) for row in rows
            if row[0].status == BookingStatus.CONFIRMED or (row[0].hold_expires_at or now) > now]


def of_customer(session: Session, email: str, *, limit: int = 200) -> list[BookingDetails]:
    """A customer's bookings — those made with their (verified) address — except holds that
    ran out unpaid, latest start first ("My bookings")."""
    rows = session.exec(_DETAILS.where(Booking.customer_email == email, Booking.status != BookingStatus.EXPIRED)
                        .order_by(col(Booking.start_at).desc(), col(Booking.id).desc()).limit(limit)).all()
    return [BookingDetails(*row) for row in rows]


def of_builder(session: Session, builder_id: int, *, changed_after: datetime | None = None,
               ending_after: datetime | None = None) -> list[BookingDetails]:
    """A builder's bookings (any status) changed after ``changed_after`` and/or ending after
    ``ending_after``, by start (the calendar feed and the calendar write-back)."""
    query = _DETAILS.where(Booking.builder_id == builder_id)
    if changed_after is not None:
        query = query.where(Booking.updated_at > changed_after)
    if ending_after is not None:
        query = query.where(Booking.end_at > ending_after)
    return [BookingDetails(*row) for row in session.exec(query.order_by(Booking.start_at, Booking.id)).all()]


def by_id(session: Session, booking_id: int) -> BookingDetails | None:
    """A booking by id, for the system's own work (outgoing webhooks); no authorization."""
    row = session.exec(_DETAILS.where(Booking.id == booking_id)).first()
    return BookingDetails(*row) if row is not None else None
