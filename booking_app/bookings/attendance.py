"""The builder's word on a past session: it took place ("completed"), or the customer did not
come ("no_show"). A mark, not a state of the booking: the booking stays confirmed and its
money is untouched; the mark shows in the past tab and counts on the revenue page. It can be
changed (a mistaken click), and each mark is an event on the booking's timeline."""

from __future__ import annotations

from datetime import datetime

from booking_app import messages
from booking_app.bookings import events, queries
from booking_app.db import write_session
from booking_app.errors import Conflict, InvalidInput
from booking_app.models import Actor, Attendance, BookingEventKind, BookingStatus

_WORDS = {Attendance.COMPLETED: "completed", Attendance.NO_SHOW: "no-show"}


def mark_attendance(*, actor_user_id: int | None, booking_id: int, attendance: str, now: datetime) -> Attendance:
    """Mark one of the acting builder's confirmed bookings once it has started (``Forbidden``
    for anyone else). Marking it the same way again changes nothing."""
    try:
        mark = Attendance(attendance)
    except ValueError:
        raise InvalidInput("attendance", messages.ATTENDANCE_CHOICE) from None
    with write_session() as session:
        booking = queries.for_builder(session, actor_user_id=actor_user_id, booking_id=booking_id,
                                      for_update=True).booking
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(messages.ATTENDANCE_NOT_CONFIRMED)
        if now < booking.start_at:
            raise Conflict(messages.ATTENDANCE_NOT_YET)
        if booking.attendance == mark:
            return mark
        booking.attendance, booking.updated_at = mark, now
        session.add(booking)
        events.record(session, booking.id, BookingEventKind.ATTENDANCE_MARKED, Actor.BUILDER, now=now,
                      actor_user_id=actor_user_id, detail=_WORDS[mark])
    return mark
