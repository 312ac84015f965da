"""Reserving a time and paying for it: what "Pay" does in the wizard and ``POST /api/bookings``
does in the API, and "Try again" on a hold whose checkout did not complete."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from booking_app import messages
from booking_app.bookings import events, queries, transitions
from booking_app.bookings.holds import HoldRequest, create_hold
from booking_app.db import read_session, write_session
from booking_app.errors import Conflict, DomainError
from booking_app.models import (
    Actor,
    Booking,
    BookingEventKind,
    BookingStatus,
    CancelledBy,
    Payment,
    PaymentStatus,
)
from booking_app.payments.checkout import STRIPE_MIN_EXPIRY, open_checkout_session, record_attempt
from booking_app.payments.fulfilment import fulfil_checkout_session

log = logging.getLogger(__name__)
CHECKOUT_NOT_STARTED = "Checkout could not be started"


@dataclass(frozen=True)
class Reservation:
    token: str
    status: BookingStatus
    checkout_url: str | None  # None for free sessions, which are confirmed at once


def reserve(request: HoldRequest, *, now: datetime) -> Reservation:
    """Hold the slot and, for a paid session, open its Checkout Session.

    When Checkout cannot be started the hold is cancelled at once rather than blocking the
    time for others until it expires, and the payment error is raised.
    """
    booking = create_hold(request, now=now)
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return Reservation(booking.public_token, booking.status, None)
    try:
        url = start_checkout(booking.public_token, now=now)
    except DomainError:
        with write_session() as session:
            transitions.cancel(session, booking.id, now=now, by=CancelledBy.SYSTEM, reason=CHECKOUT_NOT_STARTED)
        raise
    return Reservation(booking.public_token, booking.status, url)


def start_checkout(token: str, *, now: datetime) -> str:
    """A Checkout Session for the hold behind ``token`` (the first, or "Try again"); its URL.

    The attempt is numbered by an atomic increment on the booking, so two concurrent "Try
    again" clicks get two sessions instead of colliding. The session expires with the hold
    (extended when needed to Stripe's 30-minute minimum, so that a retry late in the hold
    still gets a valid session). Raises ``Conflict`` when the booking is no longer a live
    hold, ``PaymentError``/``PaymentUnavailable`` from Stripe.
    """
    with write_session() as session:
        details = queries.by_token(session, token)
        booking = details.booking
        attempt = transitions.next_checkout_attempt(session, booking.id, now=now)
        if attempt is None:
            raise Conflict(messages.HOLD_GONE)
        expires_at = max(booking.hold_expires_at, now + STRIPE_MIN_EXPIRY)
        if expires_at != booking.hold_expires_at and not transitions.extend_hold(session, booking.id,
                                                                                 until=expires_at, now=now):
            raise Conflict(messages.HOLD_GONE)
    # Outside any transaction: never hold the database over a call to Stripe.
    checkout = open_checkout_session(booking, details.session_type, details.builder, attempt=attempt,
                                     expires_at=expires_at)
    with write_session() as session:
        record_attempt(session, booking, attempt, checkout, now=now)
        events.record(session, booking.id, BookingEventKind.CHECKOUT_OPENED, Actor.CUSTOMER, now=now,
                      amount=booking.amount, currency=booking.currency, detail=f"attempt {attempt}")
    log.info("booking %s: checkout session %s (attempt %d)", booking.id, checkout.id, attempt)
    return checkout.url


def settle_returning_checkout(token: str, checkout_session_id: str, *, now: datetime) -> str:
    """The customer is back from Checkout (``success_url``): bring the booking in line with
    the session now rather than waiting for Stripe's webhook; the same code the webhook runs,
    so the two at once confirm once.

    Stripe is asked only when the session is one of this booking's checkouts and its payment
    is still unsettled: any other ``?session_id=`` (an unknown token, another booking's
    session, garbage, a reload after the payment settled) costs no call to Stripe."""
    if not isinstance(checkout_session_id, str) or not checkout_session_id.startswith("cs_") \
            or len(checkout_session_id) > 255:
        return "ignored: not a Checkout Session id"
    with read_session() as session:
        status = session.exec(
            select(Payment.status).join(Booking, Booking.id == Payment.booking_id)
            .where(Booking.public_token == token, Payment.checkout_session_id == checkout_session_id)).first()
    if status is None:
        return "ignored: not a checkout of this booking"
    if status not in (PaymentStatus.OPEN, PaymentStatus.PROCESSING):
        return "unchanged: already settled"
    return fulfil_checkout_session(checkout_session_id, now=now)
