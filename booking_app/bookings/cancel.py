"""Cancelling a booking, with what it is owed promised in the same transaction.

* Builder cancels: a full refund of what was paid, at any time.
* Customer cancels (with the booking's private token): until the session starts, refunded
  per the policy frozen on the booking (``policy.refund_quote``).

The cancellation, its event, the refunds owed and the Checkout Sessions to close commit
together; Stripe is called afterwards by the job runner (``payments.refunds.send_refund``).
So cancelling never waits for Stripe and never answers "try again" for a refund it has
already promised: the refund is retried until Stripe takes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from booking_app import messages
from booking_app.bookings import notices, outgoing, policy, queries, transitions
from booking_app.db import write_session
from booking_app.errors import Conflict
from booking_app.jobs import runner
from booking_app.models import Actor, Booking, BookingStatus, CancelledBy
from booking_app.payments.checkout import close_open_checkouts
from booking_app.text import refuse_control_characters
from booking_app.payments.refunds import owe_full_refund_of_paid, paid_amount

log = logging.getLogger(__name__)
CHOSE_ANOTHER_TIME = "The customer chose another time"


@dataclass(frozen=True)
class Cancellation:
    booking_id: int
    refund_amount: int  # promised now; sent by the job runner


def cancel_as_customer(token: str, *, now: datetime, reason: str = "") -> Cancellation:
    refuse_control_characters(reason, "reason")
    with write_session() as session:
        booking = queries.by_token(session, token, for_update=True).booking
        refusal = policy.customer_cancel_refusal(booking, now=now)
        if refusal:
            raise Conflict(refusal)
        owed = policy.refund_quote(booking, paid_amount(session, booking.id), now=now).amount
        result = _cancel(session, booking, owed, by=CancelledBy.CUSTOMER, actor_user_id=None, reason=reason,
                         reason_key="customer-cancel", refund_reason="Cancelled by the customer", now=now)
    runner.notify()
    return result


def release_hold(token: str, *, now: datetime) -> None:
    """"Choose another time": give up an unpaid hold (never a booking that got paid
    meanwhile, say in another tab) and close its Checkout Session."""
    with write_session() as session:
        booking = queries.by_token(session, token, for_update=True).booking
        if booking.status != BookingStatus.PENDING_PAYMENT:
            raise Conflict(messages.HOLD_GONE)
        _cancel(session, booking, 0, by=CancelledBy.CUSTOMER, actor_user_id=None, reason=CHOSE_ANOTHER_TIME,
                reason_key="customer-cancel", refund_reason="", now=now)
    runner.notify()


def cancel_as_builder(*, actor_user_id: int | None, booking_id: int, now: datetime, reason: str = "") -> Cancellation:
    refuse_control_characters(reason, "reason")
    with write_session() as session:
        booking = queries.for_builder(session, actor_user_id=actor_user_id, booking_id=booking_id,
                                      for_update=True).booking
        if booking.status not in BookingStatus.active():
            raise Conflict(messages.ALREADY_CANCELLED)
        result = _cancel(session, booking, paid_amount(session, booking.id), by=CancelledBy.BUILDER,
                         actor_user_id=actor_user_id, reason=reason, reason_key="builder-cancel",
                         refund_reason="Cancelled by the builder", now=now)
    runner.notify()
    return result


def _cancel(session: Session, booking: Booking, owed: int, *, by: CancelledBy, actor_user_id: int | None,
            reason: str, reason_key: str, refund_reason: str, now: datetime) -> Cancellation:
    """In the caller's transaction: the status change and its event, the refunds owed, the
    open Checkout Sessions to close."""
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    if not transitions.cancel(session, booking.id, now=now, by=by, actor_user_id=actor_user_id, reason=reason):
        raise Conflict(messages.ALREADY_CANCELLED)
    close_open_checkouts(session, [booking.id], now=now)
    promised = owe_full_refund_of_paid(session, booking.id, amount=owed, reason_key=reason_key,
                                       reason=refund_reason, now=now, actor=Actor(by.value),
                                       actor_user_id=actor_user_id) if owed else 0
    if was_confirmed:  # a hold given up is nobody's news
        sequence = transitions.calendar_sequence(session, booking.id)
        notices.booking_cancelled(session, booking.id, by=by.value, refund=promised, sequence=sequence, now=now)
        outgoing.booking_cancelled(session, booking.id, sequence=sequence, now=now)
    log.info("booking %s cancelled by %s; refund of %d promised", booking.id, by.value, promised)
    return Cancellation(booking_id=booking.id, refund_amount=promised)
