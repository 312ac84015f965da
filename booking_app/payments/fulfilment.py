"""Fulfilment: what a Checkout Session's state means for its payment and booking.

``fulfil_checkout_session`` is the one function both the webhook and the confirmation page
call. It re-reads the session from Stripe (never trusting a caller's copy), and every change
is a compare-and-swap, so two simultaneous calls produce exactly one confirmation and one
side effect (for example one automatic refund).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from booking_app.db import autocommit_connection, get_engine, session_on, write_connection, write_session
from booking_app.models import Booking, BookingStatus, Payment, PaymentStatus
from booking_app.payments import event_log
from booking_app.payments.checkout import latest_payment, transition_payment
from booking_app.payments.gateway import CheckoutSession, get_gateway
from booking_app.payments.refunds import refund_payment
from booking_app.scheduling import service

if TYPE_CHECKING:
    from booking_app.payments.event_log import EventRecorder

log = logging.getLogger(__name__)
UNPAID = (PaymentStatus.OPEN, PaymentStatus.PROCESSING, PaymentStatus.FAILED, PaymentStatus.EXPIRED)
LATE_SLOT_TAKEN = "Payment arrived after the reservation expired and the time was taken; refunded in full."


def fulfil_checkout_session(session_id: str, *, now: datetime, record: EventRecorder | None = None) -> str:
    """Bring payment and booking in line with the Checkout Session; returns what happened.

    ``record`` (the webhook's) writes the event's row in the same transaction as its changes,
    so that the event and its effects are committed together or not at all."""
    return apply_checkout_session(get_gateway().retrieve_checkout_session(session_id), now=now, record=record)


def apply_checkout_session(checkout: CheckoutSession, *, now: datetime, record: EventRecorder | None = None) -> str:
    if checkout.payment_status == "paid" and _confirm_in_one_statement(checkout, now, record):
        outcome, refund_for = CONFIRMED, None
    else:
        with write_connection() as connection:
            outcome, refund_for = _apply(connection, checkout, now, record)
    if refund_for is not None:
        refund_payment(refund_for, amount=None, reason_key="late-payment", reason=LATE_SLOT_TAKEN, now=now)
    log.info("checkout session %s: %s", checkout.id, outcome)
    return outcome


_PAYMENTS = Payment.__table__


def _param(name: str, column: sa.Column) -> sa.BindParameter:
    return sa.bindparam(name, type_=column.type)


# Built once: SQLAlchemy then reuses the statement's cache key and compiled form (building
# the statement per call was a tenth of the webhook's CPU). The IN list is spelled as ORs of
# fixed values so that it needs no per-execution expansion.
_CLAIM_PAYMENT = (
    sa.update(_PAYMENTS)
    .where(_PAYMENTS.c.checkout_session_id == _param("session_id", _PAYMENTS.c.checkout_session_id),
           sa.or_(*(_PAYMENTS.c.status == status for status in UNPAID)))
    .values(status=PaymentStatus.PAID, updated_at=_param("now", _PAYMENTS.c.updated_at),
            paid_at=_param("paid_at", _PAYMENTS.c.paid_at),
            payment_intent_id=_param("payment_intent_id", _PAYMENTS.c.payment_intent_id))
    .returning(_PAYMENTS.c.id, _PAYMENTS.c.booking_id)
)
_PAYMENT_OF_SESSION = sa.select(_PAYMENTS.c.id).where(
    _PAYMENTS.c.checkout_session_id == _param("session_id", _PAYMENTS.c.checkout_session_id))

_BOOKINGS = Booking.__table__
CONFIRMED = "confirmed"


def _paid_and_confirmed_statement(recorded: bool) -> sa.Select:
    """PostgreSQL only (SQLite has no UPDATE inside WITH): the webhook's common case as one
    statement, atomic by itself, so it runs without BEGIN and COMMIT round trips.

    ``target`` locks the session's unpaid payment and its live hold (PostgreSQL rechecks
    both conditions once it holds the locks); the event's row is inserted only if there is a
    target, and the payment and booking change only if the row was inserted. So the statement
    either does all of it or nothing: nothing to do (no target: the slower paths apply) or
    the event recorded by another delivery first (target but no record)."""
    target = (sa.select(_PAYMENTS.c.id.label("payment_id"), _PAYMENTS.c.booking_id)
              .join(_BOOKINGS, _BOOKINGS.c.id == _PAYMENTS.c.booking_id)
              .where(_PAYMENTS.c.checkout_session_id == _param("session_id", _PAYMENTS.c.checkout_session_id),
                     sa.or_(*(_PAYMENTS.c.status == status for status in UNPAID)),
                     _BOOKINGS.c.status == BookingStatus.PENDING_PAYMENT)
              .with_for_update(of=(_PAYMENTS, _BOOKINGS)).cte("target"))
    go_ahead = [sa.exists(sa.select(target.c.payment_id))]
    columns = [go_ahead[0].label("targeted")]
    if recorded:
        record = event_log.insert_if(go_ahead[0]).cte("recorded")
        go_ahead = [sa.exists(sa.select(record.c.id))]
        columns.append(go_ahead[0].label("recorded"))
    claimed = (_CLAIM_PAYMENT.where(_PAYMENTS.c.id == sa.select(target.c.payment_id).scalar_subquery(), *go_ahead)
               .cte("claimed"))
    confirmed = (service.confirm_statement(sa.select(target.c.booking_id).scalar_subquery()).where(*go_ahead)
                 .returning(_BOOKINGS.c.id).cte("confirmed"))
    return sa.select(*columns, sa.exists(sa.select(claimed.c.id)).label("claimed"),
                     sa.exists(sa.select(confirmed.c.id)).label("confirmed"))


# Built once each (see _CLAIM_PAYMENT): for the confirmation page and for the webhook.
_PAID_AND_CONFIRMED = {False: _paid_and_confirmed_statement(recorded=False),
                       True: _paid_and_confirmed_statement(recorded=True)}


def _confirm_in_one_statement(checkout: CheckoutSession, now: datetime, record: EventRecorder | None) -> bool:
    """The common case on PostgreSQL: True if this call confirmed the booking (and recorded
    the event). False when it changed nothing and the general path must look at it; raises
    ``DuplicateEvent`` if another delivery recorded the event first."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return False
    params = {"session_id": checkout.id, "now": now, "paid_at": now, "confirmed_at": now,
              "payment_intent_id": checkout.payment_intent_id, **(record.params(CONFIRMED) if record else {})}
    with autocommit_connection(engine) as connection:
        row = connection.execute(_PAID_AND_CONFIRMED[record is not None], params).one()
    if not row.targeted:
        return False
    if record is not None and not row.recorded:
        raise event_log.DuplicateEvent(record.event_id)
    if not (row.claimed and row.confirmed):  # the locks make this impossible; never confirm half
        raise RuntimeError(f"checkout session {checkout.id}: payment or booking changed under its lock")
    return True


class Claim(NamedTuple):
    payment_id: int
    booking_id: int
    confirmed: bool


def _apply(connection: Connection, checkout: CheckoutSession, now: datetime,
           record: EventRecorder | None) -> tuple[str, int | None]:
    """The changes, in the caller's transaction, with the event's record (if ``record``):
    (outcome, id of a payment to refund). Core statements for a paid session (SQLite's
    common case); the rarer branches use an ORM session in the same transaction."""
    if checkout.payment_status == "paid":
        claim = _claim_and_confirm(connection, checkout, now)
        if claim is not None and claim.confirmed:
            outcome, refund_for = CONFIRMED, None
        else:
            outcome, refund_for = _paid_unconfirmed(connection, checkout, claim, now)
    else:
        with session_on(connection) as session:
            outcome, refund_for = _apply_unpaid(session, checkout, now)
    if record is not None:
        record(connection, outcome)
    return outcome, refund_for


def _claim_and_confirm(connection: Connection, checkout: CheckoutSession, now: datetime) -> Claim | None:
    """The compare-and-swap that makes this caller the one that confirms: mark the session's
    unpaid payment paid and confirm its booking if that is still a live hold. None if the
    payment was not unpaid."""
    won = connection.execute(_CLAIM_PAYMENT, {
        "session_id": checkout.id, "now": now, "paid_at": now, "payment_intent_id": checkout.payment_intent_id,
    }).first()
    if won is None:
        return None
    return Claim(won.id, won.booking_id, service.confirm_booking(connection, won.booking_id, now=now))


def _paid_unconfirmed(connection: Connection, checkout: CheckoutSession, claim: Claim | None,
                      now: datetime) -> tuple[str, int | None]:
    """A paid session whose booking was not confirmed just now: already handled, unknown to
    us, or paid for a hold that is gone (``_book_paid_late``)."""
    if claim is None:
        known = connection.execute(_PAYMENT_OF_SESSION, {"session_id": checkout.id}).first()
        return ("unchanged: already paid", None) if known else _unknown(checkout)
    with session_on(connection) as session:
        outcome, refund = _book_paid_late(session, claim.booking_id, now)
    return outcome, claim.payment_id if refund else None


def _apply_unpaid(session: Session, checkout: CheckoutSession, now: datetime) -> tuple[str, int | None]:
    payment = session.exec(select(Payment).where(Payment.checkout_session_id == checkout.id)).first()
    if payment is None:
        return _unknown(checkout)
    if checkout.status == "complete":  # a delayed method is still processing
        transition_payment(session, payment.id, (PaymentStatus.OPEN,), PaymentStatus.PROCESSING, now,
                           payment_intent_id=checkout.payment_intent_id)
        return "processing", None
    if checkout.status == "expired":
        booking = session.get(Booking, payment.booking_id)
        return ("expired" if _expire_attempt(session, payment, booking, now) else "unchanged"), None
    return "unchanged: session still open", None


def _unknown(checkout: CheckoutSession) -> tuple[str, None]:
    log.warning("checkout session %s matches no payment of ours", checkout.id)
    return "ignored: unknown checkout session", None


def _book_paid_late(session: Session, booking_id: int, now: datetime) -> tuple[str, bool]:
    """The payment just became paid (this caller won the swap) but its booking was no longer
    a live hold: confirm it if its time is still free, or else arrange a refund.
    Returns (outcome, whether the payment is to be refunded)."""
    booking = session.get(Booking, booking_id)
    if booking.status == BookingStatus.EXPIRED:
        if service.reactivate_expired_booking(session, booking, now=now):
            return "confirmed late: the time was still free", False
        service.cancel_expired_booking(session, booking.id, now=now, reason=LATE_SLOT_TAKEN)
        return "late payment for a taken time: refunding", True
    if booking.status == BookingStatus.CANCELLED:
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


def fail_delayed_payment(session_id: str, *, now: datetime, record: EventRecorder | None = None) -> str:
    """``checkout.session.async_payment_failed``: the payment failed.

    The hold stays until its expiry so that the customer can try again with another method
    (the confirmation page offers it); a hold already past its expiry is released now.
    ``record`` as for ``fulfil_checkout_session``.
    """
    with write_session() as session:
        outcome = _fail(session, session_id, now)
        if record is not None:
            record(session.connection(), outcome)
    return outcome


def _fail(session: Session, session_id: str, now: datetime) -> str:
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
