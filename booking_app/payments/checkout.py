"""Checkout attempts: one ``payment`` row per Checkout Session, and the Stripe calls that open
and close them. Which booking may be paid for, and when, is ``bookings/`` business."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app.errors import PaymentUnavailable
from booking_app.jobs.queue import RetryLater, enqueue
from booking_app.models import Booking, Builder, Payment, PaymentStatus, SessionType
from booking_app.payments.gateway import CheckoutRequest, CheckoutSession, get_gateway
from booking_app.urls import booking_page_url, wizard_url

log = logging.getLogger(__name__)
# Stripe refuses a Checkout Session that expires less than 30 minutes after it is created;
# the margin covers the time the request takes to reach Stripe.
STRIPE_MIN_EXPIRY = timedelta(minutes=30, seconds=30)
CLOSE_CHECKOUT_JOB = "close_checkout"


def open_checkout_session(booking: Booking, session_type: SessionType, builder: Builder, *, attempt: int,
                          expires_at: datetime) -> CheckoutSession:
    """Ask Stripe for a Checkout Session for this attempt (idempotent per booking and attempt).
    Raises ``PaymentError``/``PaymentUnavailable``."""
    token = booking.public_token
    return get_gateway().create_checkout_session(CheckoutRequest(
        booking_id=booking.id, attempt=attempt, amount=booking.amount, currency=booking.currency,
        line_item_name=f"{session_type.title} with {builder.display_name}",
        customer_email=booking.customer_email, expires_at=expires_at,
        success_url=booking_page_url(token) + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=wizard_url(builder.slug) + f"?booking={token}&checkout=cancelled",
    ))


def record_attempt(session: Session, booking: Booking, attempt: int, checkout: CheckoutSession, *,
                   now: datetime) -> Payment:
    payment = Payment(booking_id=booking.id, attempt=attempt, checkout_session_id=checkout.id,
                      amount=booking.amount, currency=booking.currency, status=PaymentStatus.OPEN,
                      created_at=now, updated_at=now)
    session.add(payment)
    session.flush()
    return payment


def close_open_checkouts(session: Session, booking_ids: list[int], *, now: datetime) -> int:
    """Promise (as jobs, in the caller's transaction) to expire the open Checkout Sessions of
    bookings that no longer take payment, so nobody pays for a released time."""
    if not booking_ids:
        return 0
    open_sessions = session.exec(select(Payment.booking_id, Payment.checkout_session_id).where(
        Payment.booking_id.in_(booking_ids), Payment.status == PaymentStatus.OPEN)).all()
    for booking_id, checkout_session_id in open_sessions:
        enqueue(session, CLOSE_CHECKOUT_JOB, {"checkout_session_id": checkout_session_id}, now=now,
                booking_id=booking_id, dedupe_key=f"close-checkout:{checkout_session_id}")
    return len(open_sessions)


def close_checkout_session(checkout_session_id: str) -> None:
    """The job: expire the session at Stripe. Already closed (paid, expired) is fine — a
    payment that slipped through is refunded by fulfilment."""
    try:
        get_gateway().expire_checkout_session(checkout_session_id)
    except PaymentUnavailable as exc:
        raise RetryLater(f"Stripe unreachable while closing {checkout_session_id}: {exc.detail}") from exc


def transition_payment(session, payment_id: int, sources: tuple[PaymentStatus, ...], target: PaymentStatus,
                       now: datetime, **values) -> bool:
    """Compare-and-swap on a payment's status; True for the one caller that moved it."""
    result = session.execute(
        sa.update(Payment).where(Payment.id == payment_id, Payment.status.in_(sources))
        .values(status=target, updated_at=now, **values)
    )
    return result.rowcount == 1


def latest_payment(session, booking_id: int) -> Payment | None:
    return session.exec(select(Payment).where(Payment.booking_id == booking_id)
                        .order_by(Payment.attempt.desc())).first()
