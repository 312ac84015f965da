"""The rules a customer's cancellation and move follow, answered the same way for the page
that shows them and the use case that applies them.

The cancellation terms are frozen on the booking when it is made: refund tiers ("at least N
hours before → P %", ``offers.terms``) and a cut-off after which the customer cannot cancel
at all. Nobody cancels as a customer once the session has started — whatever the terms, and
for free sessions too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking_app import messages
from booking_app.formatting import format_moment
from booking_app.models import Booking, BookingStatus, SessionType
from booking_app.offers.terms import refund_tier_at, tiers_of


@dataclass(frozen=True)
class RefundQuote:
    amount: int  # minor units; 0 = no refund
    percent: int  # of what is left paid; 0 = no refund
    until: datetime | None  # this percentage holds until then (None: no refund now)


def refund_quote(booking: Booking, refundable: int, *, now: datetime) -> RefundQuote:
    """What a customer cancellation at ``now`` refunds of ``refundable`` (paid, not yet
    refunded or owed back): the tier it falls in, rounded down to the minor unit."""
    tier = refund_tier_at(tiers_of(booking.refund_tiers), booking.start_at - now)
    if tier is None or refundable <= 0:
        return RefundQuote(amount=0, percent=0 if tier is None else tier.percent, until=None)
    until = booking.start_at - timedelta(hours=tier.hours_before)
    return RefundQuote(amount=refundable * tier.percent // 100, percent=tier.percent, until=until)


def customer_cancel_refusal(booking: Booking, *, now: datetime) -> str | None:
    """Why the customer may not cancel now, or None if they may."""
    if booking.status not in BookingStatus.active():
        return messages.ALREADY_CANCELLED
    if now >= booking.start_at:
        return messages.SESSION_STARTED
    # A hold not yet paid can always be given up; the cut-off is about a confirmed booking.
    if booking.status == BookingStatus.CONFIRMED and booking.cancel_cutoff_hours:
        deadline = booking.start_at - timedelta(hours=booking.cancel_cutoff_hours)
        if now > deadline:
            return messages.CANCEL_CUTOFF.format(hours=booking.cancel_cutoff_hours,
                                                 deadline=format_moment(deadline, booking.customer_timezone))
    return None


def customer_reschedule_refusal(booking: Booking, session_type: SessionType, *, now: datetime) -> str | None:
    """Why the customer may not move the booking now, or None if they may: only a confirmed
    booking (a one-to-one session or a seat of a group), until the session type's cut-off before its start."""
    if booking.status != BookingStatus.CONFIRMED:
        return (messages.RESCHEDULE_NOT_CONFIRMED if booking.status == BookingStatus.PENDING_PAYMENT
                else messages.ALREADY_CANCELLED)
    if now >= booking.start_at:
        return messages.SESSION_STARTED_MOVE
    deadline = booking.start_at - timedelta(hours=session_type.reschedule_cutoff_hours)
    if now > deadline:
        # Say what is still possible: cancelling, unless its own cut-off has passed too.
        template = (messages.RESCHEDULE_CUTOFF if customer_cancel_refusal(booking, now=now) is None
                    else messages.RESCHEDULE_CUTOFF_NO_CANCEL)
        return template.format(hours=session_type.reschedule_cutoff_hours,
                               deadline=format_moment(deadline, booking.customer_timezone))
    return None
