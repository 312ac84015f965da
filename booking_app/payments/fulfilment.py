"""Fulfilment: what a Checkout Session's state means for its payment and booking.

``fulfil_checkout_session`` is the one function both the webhook and the confirmation page
call. It re-reads the session from Stripe (never trusting a caller's copy) and claims the
payment with a compare-and-swap; what that means for the booking is ``bookings/`` business
(``bookings.payment_outcomes``, in the same transaction, which also records the webhook's
event). So two simultaneous calls produce exactly one confirmation, or one refund owed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from booking_app.bookings import notices, outgoing, payment_outcomes, transitions
from booking_app.db import autocommit_connection, get_engine, session_on, write_connection, write_session
from booking_app.errors import PaymentNotFound
from booking_app.jobs import runner
from booking_app.models import Booking, BookingStatus, Payment, PaymentStatus
from booking_app.payments import event_log
from booking_app.payments.checkout import latest_payment, transition_payment
from booking_app.payments.gateway import CheckoutSession, get_gateway

if TYPE_CHECKING:
    from booking_app.payments.event_log import EventRecorder

log = logging.getLogger(__name__)
UNPAID = (PaymentStatus.OPEN, PaymentStatus.PROCESSING, PaymentStatus.FAILED, PaymentStatus.EXPIRED)


def fulfil_checkout_session(session_id: str, *, now: datetime, record: EventRecorder | None = None) -> str:
    """Bring payment and booking in line with the Checkout Session; returns what happened.

    ``record`` (the webhook's) writes the event's row in the same transaction as its changes,
    so that the event and its effects are committed together or not at all.

    A session Stripe does not have (a signed event from another account or a test that
    shares the secret) is ignored: nothing here could change that, so retrying cannot help."""
    try:
        checkout = get_gateway().retrieve_checkout_session(session_id)
    except PaymentNotFound:
        log.warning("checkout session %s: Stripe has no such session", session_id)
        outcome = UNKNOWN_SESSION
        if record is not None:
            with write_connection() as connection:
                record(connection, outcome)
        return outcome
    return apply_checkout_session(checkout, now=now, record=record)


def paid_session_in_event(obj: dict) -> CheckoutSession | None:
    """The Checkout Session of a *signed* event, when it says paid; else None (re-read it).

    A session never leaves "paid" (refunds are other objects), so a genuine event's copy that
    says paid is as good as a re-read, whatever order events arrive in: the webhook's common
    case then needs no call to Stripe (a round trip, and a failure mode when Stripe is slow).
    Every other state can be out of date by the time the event arrives, so those are re-read."""
    if obj.get("object") != "checkout.session" or obj.get("payment_status") != "paid":
        return None
    try:
        return CheckoutSession.from_stripe(obj)
    except (KeyError, TypeError, ValueError, OverflowError):
        log.warning("checkout session event %s: unexpected shape, re-reading it", obj.get("id"))
        return None


def apply_checkout_session(checkout: CheckoutSession, *, now: datetime, record: EventRecorder | None = None) -> str:
    if checkout.payment_status == "paid" and _confirm_in_one_statement(checkout, now, record):
        outcome = CONFIRMED
    else:
        with write_connection() as connection:
            outcome, owes_refund = _apply(connection, checkout, now, record)
        if owes_refund:
            runner.notify()  # the refund is promised (committed); send it now
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
    .returning(_PAYMENTS.c.id, _PAYMENTS.c.booking_id, _PAYMENTS.c.amount, _PAYMENTS.c.currency)
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
    target = (sa.select(_PAYMENTS.c.id.label("payment_id"), _PAYMENTS.c.booking_id, _PAYMENTS.c.amount,
                        _PAYMENTS.c.currency)
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
    confirmed = (transitions.confirm_statement(sa.select(target.c.booking_id).scalar_subquery()).where(*go_ahead)
                 .returning(_BOOKINGS.c.id).cte("confirmed"))
    # The timeline's "paid" and "confirmed" events, in the same statement (bookings builds them).
    logged = (transitions.paid_and_confirmed_events(confirmed, sa.select(target.c.amount).scalar_subquery(),
                                                    sa.select(target.c.currency).scalar_subquery())
              .returning(sa.column("id")).cte("logged"))
    # And the confirmation mails it promises (the same jobs ``notices.booking_confirmed`` adds).
    mailed = notices.confirmed_mail_jobs(confirmed).returning(sa.column("id")).cte("mailed")
    # And the outgoing webhook it promises, when the builder has an endpoint (``outgoing``).
    hooked = outgoing.confirmed_event_jobs(confirmed).returning(sa.column("id")).cte("hooked")
    return sa.select(*columns, sa.exists(sa.select(claimed.c.id)).label("claimed"),
                     sa.exists(sa.select(confirmed.c.id)).label("confirmed"),
                     sa.exists(sa.select(logged.c.id)).label("logged"),
                     sa.exists(sa.select(mailed.c.id)).label("mailed"),
                     sa.exists(sa.select(hooked.c.id)).label("hooked"))


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
    if not (row.claimed and row.confirmed and row.logged):  # the locks make this impossible; never confirm half
        raise RuntimeError(f"checkout session {checkout.id}: payment or booking changed under its lock")
    return True


class Claim(NamedTuple):
    payment_id: int
    booking_id: int
    amount: int
    confirmed: bool


def _apply(connection: Connection, checkout: CheckoutSession, now: datetime,
           record: EventRecorder | None) -> tuple[str, bool]:
    """The changes, in the caller's transaction, with the event's record (if ``record``):
    (outcome, whether a refund was promised). Core statements for a paid session (SQLite's
    common case); the rarer branches use an ORM session in the same transaction."""
    owes_refund = False
    if checkout.payment_status == "paid":
        claim = _claim_and_confirm(connection, checkout, now)
        if claim is not None and claim.confirmed:
            outcome = CONFIRMED
        else:
            outcome, owes_refund = _paid_unconfirmed(connection, checkout, claim, now)
    else:
        with session_on(connection) as session:
            outcome = _apply_unpaid(session, checkout, now)
    if record is not None:
        record(connection, outcome)
    return outcome, owes_refund


def _claim_and_confirm(connection: Connection, checkout: CheckoutSession, now: datetime) -> Claim | None:
    """The compare-and-swap that makes this caller the one that confirms: mark the session's
    unpaid payment paid and confirm its booking if that is still a live hold. None if the
    payment was not unpaid."""
    won = connection.execute(_CLAIM_PAYMENT, {
        "session_id": checkout.id, "now": now, "paid_at": now, "payment_intent_id": checkout.payment_intent_id,
    }).first()
    if won is None:
        return None
    return Claim(won.id, won.booking_id, won.amount,
                 payment_outcomes.confirm_paid(connection, won.booking_id, amount=won.amount, currency=won.currency,
                                               now=now))


def _paid_unconfirmed(connection: Connection, checkout: CheckoutSession, claim: Claim | None,
                      now: datetime) -> tuple[str, bool]:
    """A paid session whose booking was not confirmed just now: already handled, unknown to
    us, or paid for a hold that is gone (then bookings decides: confirm late or refund)."""
    if claim is None:
        known = connection.execute(_PAYMENT_OF_SESSION, {"session_id": checkout.id}).first()
        return ("unchanged: already paid" if known else _unknown(checkout)), False
    with session_on(connection) as session:
        return payment_outcomes.paid_without_live_hold(session, claim.booking_id, claim.payment_id,
                                                       amount=claim.amount, now=now)


def _apply_unpaid(session: Session, checkout: CheckoutSession, now: datetime) -> str:
    payment = session.exec(select(Payment).where(Payment.checkout_session_id == checkout.id)).first()
    if payment is None:
        return _unknown(checkout)
    if checkout.status == "complete":  # a delayed method is still processing
        if transition_payment(session, payment.id, (PaymentStatus.OPEN,), PaymentStatus.PROCESSING, now,
                              payment_intent_id=checkout.payment_intent_id):
            payment_outcomes.payment_processing(session, payment.booking_id, now=now)
        return "processing"
    if checkout.status == "expired":
        if not transition_payment(session, payment.id, (PaymentStatus.OPEN,), PaymentStatus.EXPIRED, now):
            return "unchanged"
        latest = latest_payment(session, payment.booking_id)
        payment_outcomes.checkout_expired(session, payment.booking_id, now=now,
                                          was_latest_attempt=latest is not None and latest.id == payment.id)
        return "expired"
    return "unchanged: session still open"


UNKNOWN_SESSION = "ignored: unknown checkout session"


def _unknown(checkout: CheckoutSession) -> str:
    log.warning("checkout session %s matches no payment of ours", checkout.id)
    return UNKNOWN_SESSION


DELAYED_PAYMENT_FAILED = "The bank transfer did not go through."


def fail_delayed_payment(session_id: str, *, now: datetime, record: EventRecorder | None = None) -> str:
    """``checkout.session.async_payment_failed``: the payment failed (see
    ``payment_outcomes.payment_failed`` for what happens to the hold). ``record`` as for
    ``fulfil_checkout_session``."""
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
    return payment_outcomes.payment_failed(session, booking, payment.id, message=DELAYED_PAYMENT_FAILED, now=now)
