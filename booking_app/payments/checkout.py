"""Starting a Checkout attempt for a hold: one ``payment`` row per Checkout Session."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import func, select

from booking_app import messages
from booking_app.db import read_session, write_session
from booking_app.errors import Conflict, DomainError
from booking_app.models import BookingStatus, CancelledBy, Payment, PaymentStatus
from booking_app.payments.gateway import CheckoutRequest, get_gateway
from booking_app.scheduling import service
from booking_app.urls import booking_page_url, wizard_url

log = logging.getLogger(__name__)
# Stripe refuses a Checkout Session that expires less than 30 minutes after it is created;
# the margin covers the time the request takes to reach Stripe.
STRIPE_MIN_EXPIRY = timedelta(minutes=30, seconds=30)


def start_checkout(token: str, *, now: datetime) -> str:
    """Create a Checkout Session for the hold behind ``token`` and return its URL.

    The session expires with the hold (extended when needed to Stripe's 30-minute minimum,
    so that a retry late in the hold still gets a valid session). Raises ``Conflict`` when the
    booking is no longer a hold, ``PaymentError``/``PaymentUnavailable`` from the gateway.
    """
    with read_session() as session:
        details = service.get_booking_by_token(session, token)
        booking = details.booking
        if booking.status != BookingStatus.PENDING_PAYMENT or booking.hold_expires_at <= now:
            raise Conflict(messages.HOLD_GONE)
        attempt = session.exec(select(func.count()).select_from(Payment).where(Payment.booking_id == booking.id)).one() + 1
    expires_at = max(booking.hold_expires_at, now + STRIPE_MIN_EXPIRY)
    if expires_at != booking.hold_expires_at:
        with write_session() as session:
            if not service.extend_hold(session, booking.id, until=expires_at, now=now):
                raise Conflict(messages.HOLD_GONE)
    checkout = get_gateway().create_checkout_session(
        CheckoutRequest(
            booking_id=booking.id,
            attempt=attempt,
            amount=booking.amount,
            currency=booking.currency,
            line_item_name=f"{details.session_type.title} with {details.builder.display_name}",
            customer_email=booking.customer_email,
            expires_at=expires_at,
            success_url=booking_page_url(token) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=wizard_url(details.builder.slug) + f"?booking={token}&checkout=cancelled",
        )
    )
    with write_session() as session:
        session.add(Payment(booking_id=booking.id, attempt=attempt, checkout_session_id=checkout.id,
                            amount=booking.amount, currency=booking.currency, status=PaymentStatus.OPEN,
                            created_at=now, updated_at=now))
    log.info("booking %s: checkout session %s (attempt %d)", booking.id, checkout.id, attempt)
    return checkout.url


@dataclass(frozen=True)
class Reservation:
    token: str
    status: BookingStatus
    checkout_url: str | None  # None for free sessions, which are confirmed at once


def reserve(request: service.HoldRequest, *, now: datetime) -> Reservation:
    """Hold the slot and, for a paid session, open its Checkout Session: what "Pay" does in
    the wizard and ``POST /api/bookings`` does in the API.

    When Checkout cannot be started the hold is cancelled at once rather than blocking the
    time for others until it expires, and the payment error is raised.
    """
    booking = service.create_hold(request, now=now)
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return Reservation(booking.public_token, booking.status, None)
    try:
        url = start_checkout(booking.public_token, now=now)
    except DomainError:
        with write_session() as session:
            service.cancel_booking(session, booking.id, now=now, by=CancelledBy.SYSTEM,
                                   reason="Checkout could not be started")
        raise
    return Reservation(booking.public_token, booking.status, url)


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
