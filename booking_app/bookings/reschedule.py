"""Moving a confirmed booking to another time, keeping its payment, link and invitation.

One transaction takes the new time under the same guards as a new booking (the builder's lock
on PostgreSQL, with the exclusion constraint behind it; SQLite's write lock), frees the old
time (the same row moves), grows the invitation's SEQUENCE, records the event and promises
the mails. Customers may move a booking until the session type's cut-off (default 24 hours
before the start); builders until the start. A time is taken, not offered, the same, or the
booking not confirmed: a clear message, and nothing changes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from booking_app import messages
from booking_app.bookings import events, notices, outgoing, policy, queries
from booking_app.bookings.holds import check_timing, free_seat
from booking_app.bookings.queries import BookingDetails
from booking_app.db import write_session
from booking_app.errors import Conflict, InvalidInput
from booking_app.formatting import format_moment
from booking_app.jobs import runner
from booking_app.models import Actor, Booking, BookingEventKind, BookingStatus
from booking_app.scheduling.availability import group_occupancy_key, slot_at
from booking_app.scheduling.guards import lock_builder, time_is_taken, violated_guard
from booking_app.scheduling.queries import SANE_DISTANCE
from booking_app.text import refuse_control_characters

log = logging.getLogger(__name__)
_BOOKINGS = Booking.__table__


def reschedule_as_customer(token: str, start: datetime, *, now: datetime) -> None:
    with write_session() as session:
        details = queries.by_token(session, token, for_update=True)
        _check_customer_cutoff(details, now)
        _move(session, details, start, actor=Actor.CUSTOMER, actor_user_id=None, message="", now=now)
    runner.notify()


def reschedule_as_builder(*, actor_user_id: int | None, booking_id: int, start: datetime, now: datetime,
                          message: str = "") -> None:
    """The builder moves one of their bookings (``Forbidden`` for anyone else), with an optional
    message to the customer; the customers' cut-off does not apply, the start does."""
    refuse_control_characters(message, "message")
    with write_session() as session:
        details = queries.for_builder(session, actor_user_id=actor_user_id, booking_id=booking_id, for_update=True)
        _move(session, details, start, actor=Actor.BUILDER, actor_user_id=actor_user_id,
              message=" ".join(message.split())[:500], now=now)
    runner.notify()


def _check_customer_cutoff(details: BookingDetails, now: datetime) -> None:
    refusal = policy.customer_reschedule_refusal(details.booking, details.session_type, now=now)
    if refusal:
        raise Conflict(refusal)


def _clean_start(start: datetime, now: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInput("start", messages.START_NEEDS_OFFSET)
    if abs(start.date() - now.date()) > SANE_DISTANCE:
        raise InvalidInput("start", messages.DATE_OUT_OF_RANGE)
    return start.astimezone(UTC)


def _move(session: Session, details: BookingDetails, start: datetime, *, actor: Actor, actor_user_id: int | None,
          message: str, now: datetime) -> None:
    booking, kind, builder = details.booking, details.session_type, details.builder
    start = _clean_start(start, now)
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(messages.RESCHEDULE_NOT_CONFIRMED if booking.status == BookingStatus.PENDING_PAYMENT
                       else messages.ALREADY_CANCELLED)
    if now >= booking.start_at:
        raise Conflict(messages.SESSION_STARTED_MOVE)
    if start == booking.start_at:
        raise InvalidInput("start", messages.RESCHEDULE_SAME_TIME)
    check_timing(kind, start, now)
    if slot_at(session, kind, builder, start, now, include_busy=False) is None:
        raise InvalidInput("start", messages.NOT_A_SLOT)
    # The same buffers as a new booking at that time. A one-to-one booking keeps its own
    # occupancy key; a seat of a group session takes a free seat of the group slot at the new
    # time (its key and seat number), so a full slot is refused like a new booking.
    end = start + timedelta(minutes=kind.duration_minutes)
    blocked_start = start - timedelta(minutes=kind.buffer_before_minutes)
    blocked_end = end + timedelta(minutes=kind.buffer_after_minutes)
    group = kind.seats > 1
    key = group_occupancy_key(kind.id, start) if group else booking.occupancy_key
    lock_builder(session, builder.id)
    seat = free_seat(session, kind, start) if group else booking.seat
    old_start = booking.start_at
    try:
        with session.begin_nested():
            moved = session.execute(
                sa.update(_BOOKINGS)
                .where(_BOOKINGS.c.id == booking.id, _BOOKINGS.c.status == BookingStatus.CONFIRMED,
                       _BOOKINGS.c.start_at == old_start)
                .values(start_at=start, end_at=end, blocked_start=blocked_start, blocked_end=blocked_end,
                        occupancy_key=key, seat=seat, calendar_sequence=_BOOKINGS.c.calendar_sequence + 1,
                        updated_at=now)
                .returning(_BOOKINGS.c.calendar_sequence)
            ).scalar_one_or_none()
            # Checked with the row already moved, so its own old time never counts against the
            # new one; taken → the savepoint is rolled back and nothing moved.
            if moved is not None and time_is_taken(session, builder.id, blocked_start, blocked_end, key, now):
                raise Conflict(messages.SLOT_TAKEN)
    except sa.exc.IntegrityError as exc:  # the exclusion constraint or the seat index: taken meanwhile
        if violated_guard(exc) is None:
            raise
        raise Conflict(messages.SLOT_TAKEN) from None
    if moved is None:  # changed under our lock: cannot happen, but never move half
        raise Conflict(messages.ALREADY_CANCELLED)
    zone = builder.timezone
    detail = f"from {format_moment(old_start, zone)} to {format_moment(start, zone)}"
    events.record(session, booking.id, BookingEventKind.RESCHEDULED, actor, now=now, actor_user_id=actor_user_id,
                  detail=detail + (f" — “{message}”" if message else ""))
    notices.booking_moved(session, booking.id, by=actor.value, old_start=old_start, message=message, sequence=moved,
                          now=now)
    outgoing.booking_rescheduled(session, booking.id, sequence=moved, old_start=old_start, now=now)
    log.info("booking %s moved by the %s %s", booking.id, actor.value, detail)
