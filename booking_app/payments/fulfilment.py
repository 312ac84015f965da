"""Fulfilment: what a Checkout Session's state means for its payment and booking.

``fulfil_checkout_session`` is the one function both the webhook and the confirmation page
call. It re-reads the session from Stripe (never trusting a caller's copy), and every change
is a compare-and-swap, so two simultaneous calls produce exactly one confirmation and one
side effect (for example one automatic refund).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import select

from booking_app.db import write_session
from booking_app.models import Booking, BookingStatus, Payment, PaymentStatus
from booking_app.payments.checkout import latest_payment, transition_payment
from booking_app.payments.gateway import CheckoutSession, get_gateway
from booking_app.payments.refunds import refund_payment
from booking_app.scheduling import service

log = logging.getLogger(__name__)
UNPAID = (PaymentStatus.OPEN, PaymentStatus.PROCESSING, PaymentStatus.FAILED, PaymentStatus.EXPIRED)
LATE_SLOT_TAKEN = "Payment arrived after the reservation expired and the time was taken; refunded in full."


def fulfil_checkout_session(session_id: str, *, now: datetime) -> str:
    """Bring payment and booking in line with the Checkout Session; returns what happened."""
    return apply_checkout_session(get_gateway().retrieve_checkout_session(session_id), now=now)


def apply_checkout_session(checkout: CheckoutSession, *, now: datetime) -> str:
    refund_for: int | None = None
    with write_session() as session:
        payment = session.exec(select(Payment).where(Payment.checkout_session_id == checkout.id)).first()
        if payment is None:
            log.warning("checkout session %s matches no payment of ours", checkout.id)
            return "ignored: unknown checkout session"
        booking = session.get(Booking, payment.booking_id)
        if checkout.payment_status == "paid":
            if not transition_payment(session, payment.id, UNPAID, PaymentStatus.PAID, now, paid_at=now,
                                      payment_intent_id=checkout.payment_intent_id):
                return "unchanged: already paid"
            outcome, refund = _book_paid(session, booking, now)
            refund_for = payment.id if refund else None
        elif checkout.status == "complete":  # a delayed method is still processing
            transition_payment(session, payment.id, (PaymentStatus.OPEN,), PaymentStatus.PROCESSING, now,
                               payment_intent_id=checkout.payment_intent_id)
            outcome = "processing"
        elif checkout.status == "expired":
            outcome = "expired" if _expire_attempt(session, payment, booking, now) else "unchanged"
        else:
            outcome = "unchanged: session still open"
    if refund_for is not None:
        refund_payment(refund_for, amount=None, reason_key="late-payment", reason=LATE_SLOT_TAKEN, now=now)
    log.info("checkout session %s: %s", checkout.id, outcome)
    return outcome


def _book_paid(session, booking: Booking, now: datetime) -> tuple[str, bool]:
    """The payment just became paid (this caller won the swap): confirm the booking, or
    arrange a refund if there is no longer a booking to give for the money."""
    if service.confirm_booking(session, booking.id, now=now):
        return "confirmed", False
    status = session.exec(select(Booking.status).where(Booking.id == booking.id)).one()
    if status == BookingStatus.EXPIRED:
        if service.reactivate_expired_booking(session, booking, now=now):
            return "confirmed late: the time was still free", False
        service.cancel_expired_booking(session, booking.id, now=now, reason=LATE_SLOT_TAKEN)
        return "late payment for a taken time: refunding", True
    if status == BookingStatus.CANCELLED:
        return "paid after cancellation: refunding", True
    return "paid twice: refunding the extra payment", True  # already confirmed by another attempt


def _expire_attempt(session, payment: Payment, booking: Booking, now: datetime) -> bool:
    if not transition_payment(session, payment.id, (PaymentStatus.OPEN,), PaymentStatus.EXPIRED, now):
        return False
    latest = latest_payment(session, booking.id)
    if latest is not None and latest.id == payment.id:
        service.expire_hold(session, booking.id, now=now)  # the hold goes with its last checkout
    return True


DELAYED_PAYMENT_FAILED = "The bank transfer did not go through."


def fail_delayed_payment(session_id: str, *, now: datetime) -> str:
    """``checkout.session.async_payment_failed``: the payment failed.

    The hold stays until its expiry so that the customer can try again with another method
    (the confirmation page offers it); a hold already past its expiry is released now.
    """
    with write_session() as session:
        payment = session.exec(select(Payment).where(Payment.checkout_session_id == session_id)).first()
        if payment is None:
            return "ignored: unknown checkout session"
        if not transition_payment(session, payment.id, (PaymentStatus.OPEN, PaymentStatus.PROCESSING),
                                  PaymentStatus.FAILED, now, failure_message=DELAYED_PAYMENT_FAILED):
            return "unchanged"
        booking = session.get(Booking, payment.booking_id)
        if booking.hold_expires_at > now:
            return "failed: hold kept for another attempt until it expires"
        service.expire_hold(session, booking.id, now=now)
    return "failed: hold released"
