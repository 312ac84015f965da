"""The rules a customer's cancellation follows, answered the same way for the page that shows
them and the use case that applies them.

The policy is frozen on the booking when it is made (``refund_cutoff_hours``): a full refund
until that many hours before the start, none after. Nobody cancels as a customer once the
session has started — whatever the policy, and for free sessions too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking_app import messages
from booking_app.formatting import format_moment
from booking_app.models import Booking, BookingStatus, SessionType


@dataclass(frozen=True)
class RefundQuote:
    amount: int  # minor units; 0 = no refund
    deadline: datetime  # cancelling before this gives a full refund


def refund_quote(booking: Booking, paid_amount: int, *, now: datetime) -> RefundQuote:
    deadline = booking.start_at - timedelta(hours=booking.refund_cutoff_hours)
    return RefundQuote(amount=paid_amount if now <= deadline else 0, deadline=deadline)


def customer_cancel_refusal(booking: Booking, *, now: datetime) -> str | None:
    """Why the customer may not cancel now, or None if they may."""
    if booking.status not in BookingStatus.active():
        return messages.ALREADY_CANCELLED
    if now >= booking.start_at:
        return messages.SESSION_STARTED
    return None


def customer_reschedule_refusal(booking: Booking, session_type: SessionType, *, now: datetime) -> str | None:
    """Why the customer may not move the booking now, or None if they may: only a confirmed
    one-to-one booking, until the session type's cut-off before its start."""
    if booking.status != BookingStatus.CONFIRMED:
        return (messages.RESCHEDULE_NOT_CONFIRMED if booking.status == BookingStatus.PENDING_PAYMENT
                else messages.ALREADY_CANCELLED)
    if now >= booking.start_at:
        return messages.SESSION_STARTED_MOVE
    if session_type.seats > 1:
        return messages.RESCHEDULE_GROUP
    deadline = booking.start_at - timedelta(hours=session_type.reschedule_cutoff_hours)
    if now > deadline:
        return messages.RESCHEDULE_CUTOFF.format(hours=session_type.reschedule_cutoff_hours,
                                                 deadline=format_moment(deadline, booking.customer_timezone))
    return None
