"""Cancelling bookings with the refund they are owed.

* Builder cancels: full refund.
* Customer cancels (with the booking's private token): the policy frozen on the booking —
  full refund until ``refund_cutoff_hours`` before the start, none after. ``refund_quote``
  gives the same answer the cancellation will apply, for showing before the customer confirms.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from booking_app import messages
from booking_app.db import write_session
from booking_app.errors import Conflict
from booking_app.models import Booking, CancelledBy, Payment, PaymentStatus
from booking_app.payments.gateway import get_gateway
from booking_app.payments.refunds import refund_payment
from booking_app.scheduling import service

log = logging.getLogger(__name__)
REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class RefundQuote:
    amount: int  # minor units; 0 = no refund
    deadline: datetime  # cancelling before this gives a full refund


@dataclass(frozen=True)
class Cancellation:
    booking_id: int
    refund_amount: int


def refund_quote(booking: Booking, paid_amount: int, *, now: datetime) -> RefundQuote:
    deadline = booking.start_at - timedelta(hours=booking.refund_cutoff_hours)
    return RefundQuote(amount=paid_amount if now <= deadline else 0, deadline=deadline)


def paid_amount(session: Session, booking_id: int) -> int:
    payments = session.exec(select(Payment).where(Payment.booking_id == booking_id, Payment.status.in_(REFUNDABLE)))
    return sum(p.amount - p.amount_refunded for p in payments)


def cancel_as_customer(token: str, *, now: datetime, reason: str = "") -> Cancellation:
    with write_session() as session:
        booking = service.get_booking_by_token(session, token).booking
        quote = refund_quote(booking, paid_amount(session, booking.id), now=now)
        if not service.cancel_booking(session, booking.id, now=now, by=CancelledBy.CUSTOMER, reason=reason):
            raise Conflict(messages.ALREADY_CANCELLED)
    return _settle(booking.id, quote.amount, "customer-cancel", "Cancelled by the customer", now)


def cancel_as_builder(*, actor_user_id: int | None, booking_id: int, now: datetime, reason: str = "") -> Cancellation:
    with write_session() as session:
        if not service.cancel_booking_as_builder(session, actor_user_id=actor_user_id, booking_id=booking_id,
                                                 now=now, reason=reason):
            raise Conflict(messages.ALREADY_CANCELLED)
        amount = paid_amount(session, booking_id)
    return _settle(booking_id, amount, "builder-cancel", "Cancelled by the builder", now)


def _settle(booking_id: int, refund_amount: int, reason_key: str, reason: str, now: datetime) -> Cancellation:
    """After the cancellation committed: close open checkouts, send the refund."""
    with write_session() as session:
        payments = session.exec(select(Payment).where(Payment.booking_id == booking_id)).all()
    for payment in payments:
        if payment.status == PaymentStatus.OPEN:
            get_gateway().expire_checkout_session(payment.checkout_session_id)
    remaining = refund_amount
    for payment in payments:
        if remaining <= 0 or payment.status not in REFUNDABLE:
            continue
        refund = refund_payment(payment.id, amount=remaining, reason_key=reason_key, reason=reason, now=now)
        remaining -= refund.amount if refund else 0
    log.info("booking %s cancelled (%s); refund %d", booking_id, reason_key, refund_amount - remaining)
    return Cancellation(booking_id=booking_id, refund_amount=refund_amount - remaining)
