"""What a payment's outcome means for its booking: the use cases ``payments.fulfilment``
calls once it has claimed a payment (each in the caller's transaction, which also records the
Stripe event, so an event and its effects commit together).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from booking_app.bookings import events, notices, transitions
from booking_app.models import Actor, Booking, BookingEventKind, BookingStatus
from booking_app.payments.refunds import owe_refund

LATE_SLOT_TAKEN = "Payment arrived after the reservation expired and the time was taken; refunded in full."
PAID_AFTER_CANCELLATION = "Payment arrived after the booking was cancelled; refunded in full."
PAID_TWICE = "The booking was already paid by another checkout; this payment is refunded in full."

confirm_paid = transitions.confirm_paid  # the common case: a live hold is paid


def paid_without_live_hold(session: Session, booking_id: int, payment_id: int, *, amount: int,
                           now: datetime) -> tuple[str, bool]:
    """A payment just became paid (the caller won the swap) but its booking was no longer a
    live hold: confirm it if it expired and its time is still free, or else owe the payment
    back (the refund job sends it). Returns what happened and whether a refund is owed."""
    booking = session.get(Booking, booking_id)
    if booking.status == BookingStatus.EXPIRED:
        if transitions.reactivate_expired_booking(session, booking, amount=amount, now=now):
            return "confirmed late: the time was still free", False
        transitions.cancel_expired_booking(session, booking.id, now=now, reason=LATE_SLOT_TAKEN)
        reason, outcome = LATE_SLOT_TAKEN, "late payment for a taken time: refunding"
    elif booking.status == BookingStatus.CANCELLED:
        reason, outcome = PAID_AFTER_CANCELLATION, "paid after cancellation: refunding"
    else:  # already confirmed by another attempt
        reason, outcome = PAID_TWICE, "paid twice: refunding the extra payment"
    events.record(session, booking.id, BookingEventKind.PAID, Actor.STRIPE, now=now, amount=amount,
                  currency=booking.currency, detail=reason)
    owe_refund(session, payment_id, amount=None, reason_key="late-payment", reason=reason, now=now)
    return outcome, True


def payment_processing(session: Session, booking_id: int, *, now: datetime) -> None:
    events.record(session, booking_id, BookingEventKind.PAYMENT_PROCESSING, Actor.STRIPE, now=now,
                  detail="a delayed payment method (bank transfer) is on its way")


def checkout_expired(session: Session, booking_id: int, *, was_latest_attempt: bool, now: datetime) -> None:
    """A Checkout Session ran out unpaid; the hold goes with its last checkout."""
    if was_latest_attempt:
        transitions.expire_hold(session, booking_id, now=now, detail="its checkout expired unpaid")


def payment_failed(session: Session, booking: Booking, payment_id: int, *, message: str, now: datetime) -> str:
    """A delayed payment failed. The hold stays until its expiry so that the customer can try
    again with another method (the confirmation page offers it); a hold already past its
    expiry is released now."""
    events.record(session, booking.id, BookingEventKind.PAYMENT_FAILED, Actor.STRIPE, now=now, detail=message)
    if booking.hold_expires_at is not None and booking.hold_expires_at > now:
        notices.payment_failed(session, booking.id, payment_id=payment_id, now=now)  # "try again" while it lasts
        return "failed: hold kept for another attempt until it expires"
    transitions.expire_hold(session, booking.id, now=now, detail="its payment failed")
    return "failed: hold released"
