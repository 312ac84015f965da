"""Refunds: owed in the same transaction as the change that owes them, sent by a job.

``owe_refund`` writes the ``refund`` row (status ``pending``, no Stripe id yet), its
"refund requested" event and a ``refund`` job, inside the caller's transaction — a
cancellation, or the late payment for a time someone else took. From then on the money is
promised durably: the job runner calls ``send_refund`` until Stripe has answered, through
outages, crashes and restarts. The row's unique idempotency key is also Stripe's idempotency
key, so a retry after a crash *during* the call gets Stripe's first refund back instead of a
second one.

A refund Stripe refuses for good (say the charge was refunded by hand in Stripe's Dashboard)
is reconciled against the refunds Stripe holds for the payment: one the app does not know
covers it → recorded as that refund ("reconciled"); otherwise the refund is marked failed and
flagged on the booking's timeline for a person to look at.

A payment's refunded amount is always recomputed from its succeeded refunds, so replayed or
reordered refund events cannot double-count.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, func, select

from booking_app.bookings import events, notices, outgoing
from booking_app.db import read_session, write_session
from booking_app.errors import PaymentError, PaymentUnavailable
from booking_app.jobs.queue import ClaimedJob, RetryLater, enqueue
from booking_app.models import Actor, BookingEventKind, Payment, PaymentStatus, Refund, RefundStatus
from booking_app.money import format_money
from booking_app.payments.gateway import RefundResult, get_gateway

if TYPE_CHECKING:
    from booking_app.payments.event_log import EventRecorder

log = logging.getLogger(__name__)
REFUND_JOB = "refund"
_OUTSTANDING = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)
_FINAL = (RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED)
REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


def owe_refund(session: Session, payment_id: int, *, amount: int | None, reason_key: str, reason: str,
               now: datetime, actor: Actor = Actor.SYSTEM, actor_user_id: int | None = None) -> Refund | None:
    """Promise a refund of ``amount`` (None = everything not yet refunded) of a paid payment,
    once per ``reason_key``, in the caller's transaction. Returns the refund row (the one
    already promised for this key, if any), or None if nothing is left to refund."""
    key = f"refund-payment-{payment_id}-{reason_key}"
    existing = session.exec(select(Refund).where(Refund.idempotency_key == key)).first()
    if existing is not None:
        return existing
    payment = session.get(Payment, payment_id, with_for_update=True)
    committed = session.exec(select(func.coalesce(func.sum(Refund.amount), 0))
                             .where(Refund.payment_id == payment_id, Refund.status.in_(_OUTSTANDING))).one()
    available = payment.amount - committed
    amount = available if amount is None else min(amount, available)
    if amount <= 0 or payment.payment_intent_id is None:
        return None
    refund = Refund(payment_id=payment_id, idempotency_key=key, amount=amount, currency=payment.currency,
                    status=RefundStatus.PENDING, reason=reason[:500], created_at=now, updated_at=now)
    session.add(refund)
    session.flush()
    events.record(session, payment.booking_id, BookingEventKind.REFUND_REQUESTED, actor, now=now,
                  actor_user_id=actor_user_id, amount=amount, currency=payment.currency, detail=reason)
    enqueue(session, REFUND_JOB, {"refund_id": refund.id}, now=now, booking_id=payment.booking_id,
            dedupe_key=f"refund:{refund.id}")
    return refund


def owe_full_refund_of_paid(session: Session, booking_id: int, *, amount: int, reason_key: str, reason: str,
                            now: datetime, actor: Actor, actor_user_id: int | None = None) -> int:
    """Promise refunds totalling ``amount`` over the booking's paid payments (a booking is
    normally paid once; a second payment is refunded on its own). Returns the amount promised."""
    payments = session.exec(select(Payment).where(Payment.booking_id == booking_id,
                                                  Payment.status.in_(REFUNDABLE)).order_by(Payment.attempt)).all()
    remaining = amount
    for payment in payments:
        if remaining <= 0:
            break
        refund = owe_refund(session, payment.id, amount=remaining, reason_key=reason_key, reason=reason, now=now,
                            actor=actor, actor_user_id=actor_user_id)
        remaining -= refund.amount if refund else 0
    return amount - remaining


def paid_amount(session: Session, booking_id: int) -> int:
    """What the customer paid for the booking and has not been promised back."""
    payments = session.exec(select(Payment).where(Payment.booking_id == booking_id, Payment.status.in_(REFUNDABLE)))
    total = 0
    for payment in payments:
        promised = session.exec(select(func.coalesce(func.sum(Refund.amount), 0))
                                .where(Refund.payment_id == payment.id, Refund.status.in_(_OUTSTANDING))).one()
        total += payment.amount - promised
    return total


def send_refund(job: ClaimedJob, now: datetime) -> None:
    """The ``refund`` job: ask Stripe for the refund the row promises, once."""
    refund_id = int(job.payload["refund_id"])
    with read_session() as session:
        refund = session.get(Refund, refund_id)
        payment = session.get(Payment, refund.payment_id) if refund else None
    if refund is None or payment is None:
        log.error("refund job %s: refund %s does not exist", job.id, refund_id)
        return
    if refund.stripe_refund_id is not None or refund.status in _FINAL:
        return  # Stripe has answered already (a duplicate run of the job)
    try:
        result = get_gateway().refund(payment_intent_id=payment.payment_intent_id, amount=refund.amount,
                                      idempotency_key=refund.idempotency_key, booking_id=payment.booking_id,
                                      refund_id=refund.id)
    except PaymentUnavailable as exc:
        with write_session() as session:
            events.record(session, payment.booking_id, BookingEventKind.REFUND_RETRYING, Actor.SYSTEM, now=now,
                          amount=refund.amount, currency=refund.currency,
                          detail=f"Stripe did not answer (attempt {job.attempts}): {exc.detail}")
        raise RetryLater(f"refund {refund_id}: Stripe unreachable: {exc.detail}") from exc
    except PaymentError as exc:
        _reconcile(refund, payment, refused=exc.detail, now=now)
        return
    _record_answer(refund.id, result, now=now)


def _record_answer(refund_id: int, result: RefundResult, *, now: datetime, detail: str = "") -> None:
    with write_session() as session:
        session.execute(sa.update(Refund).where(Refund.id == refund_id, Refund.stripe_refund_id.is_(None))
                        .values(stripe_refund_id=result.id, updated_at=now))
        apply_refund_status(session, refund_id, RefundStatus(result.status), now=now, detail=detail)


def _reconcile(refund: Refund, payment: Payment, *, refused: str, now: datetime) -> None:
    """Stripe refused the refund for good: compare with the refunds Stripe holds."""
    try:
        at_stripe = get_gateway().list_refunds(payment.payment_intent_id)
    except PaymentUnavailable as exc:
        raise RetryLater(f"refund {refund.id}: refused ({refused}); Stripe unreachable to reconcile") from exc
    with read_session() as session:
        # Refunds recorded from Stripe's events as made outside the app stay adoptable.
        known = set(session.exec(select(Refund.stripe_refund_id).join(Payment)
                                 .where(Payment.payment_intent_id == payment.payment_intent_id,
                                        Refund.stripe_refund_id.is_not(None),
                                        Refund.idempotency_key.not_like(f"{OUTSIDE_KEY_PREFIX}%"))).all())
    unknown = [r for r in at_stripe if r.id not in known and r.status in ("succeeded", "pending")]
    outside = sum(r.amount for r in unknown)
    if unknown and outside >= refund.amount:
        other = next((r for r in unknown if r.amount == refund.amount), max(unknown, key=lambda r: r.amount))
        log.warning("refund %s refused by Stripe (%s); reconciled with %s made outside the app",
                    refund.id, refused, other.id)
        note = (f"Stripe refused this refund ({refused}): the payment was already refunded outside the app "
                f"({other.id}, {format_money(other.amount, refund.currency)}); recorded as that refund.")
        with write_session() as session:
            # Recorded on its own already (from its webhook)? Then it becomes this refund.
            session.execute(sa.delete(Refund).where(Refund.stripe_refund_id == other.id,
                                                    Refund.idempotency_key.like(f"{OUTSIDE_KEY_PREFIX}%")))
            events.record(session, payment.booking_id, BookingEventKind.REFUND_RECONCILED, Actor.STRIPE, now=now,
                          amount=other.amount, currency=refund.currency, detail=note)
        _record_answer(refund.id, RefundResult(other.id, other.status, other.amount), now=now)
        return
    seen = (f" Stripe shows {format_money(outside, refund.currency)} refunded outside the app." if unknown else "")
    log.error("refund %s of payment %s refused by Stripe: %s", refund.id, payment.id, refused)
    with write_session() as session:
        apply_refund_status(session, refund.id, RefundStatus.FAILED, now=now, failure=refused[:500],
                            detail=f"Stripe refused the refund: {refused}.{seen} Needs attention.",
                            actor=Actor.SYSTEM)


def give_up_refund(job: ClaimedJob, error: str, now: datetime) -> None:
    """The refund job ran out of attempts (Stripe unreachable for many hours). The refund
    stays owed (``pending``; ``python -m booking_app.cli retry-job`` sends it again) and the
    timeline says a person is needed."""
    with write_session() as session:
        refund = session.get(Refund, int(job.payload["refund_id"]))
        events.record(session, job.booking_id, BookingEventKind.REFUND_FAILED, Actor.SYSTEM, now=now,
                      amount=refund.amount, currency=refund.currency,
                      detail=f"Gave up after {job.attempts} attempts ({error}). Needs attention: retry job "
                             f"#{job.id} or refund by hand in Stripe.")


_EVENT_FOR = {RefundStatus.SUCCEEDED: BookingEventKind.REFUND_SUCCEEDED,
              RefundStatus.FAILED: BookingEventKind.REFUND_FAILED,
              RefundStatus.CANCELED: BookingEventKind.REFUND_FAILED}


def apply_refund_status(session: Session, refund_id: int, status: RefundStatus, *, now: datetime,
                        failure: str | None = None, detail: str = "", actor: Actor = Actor.STRIPE) -> None:
    """Set a refund's status (from Stripe's answer or a refund event) and recompute its
    payment's refunded amount and status. Idempotent; a final status is never undone, and
    the timeline gets an event only when the status actually becomes final."""
    changed = session.execute(
        sa.update(Refund).where(Refund.id == refund_id, Refund.status.not_in(_FINAL), Refund.status != status)
        .values(status=status, failure_message=failure, updated_at=now)
    ).rowcount == 1
    refund = session.get(Refund, refund_id)
    payment = session.get(Payment, refund.payment_id)
    if changed and status in _EVENT_FOR:
        events.record(session, payment.booking_id, _EVENT_FOR[status], actor, now=now, amount=refund.amount, currency=refund.currency,
                      detail=detail or (f"Stripe: {failure}" if failure else ""))
        if status == RefundStatus.SUCCEEDED:
            notices.refund_completed(session, payment.booking_id, refund_id=refund.id, amount=refund.amount,
                                     currency=refund.currency, reason=refund.reason, now=now)
            outgoing.booking_refunded(session, payment.booking_id, refund_id=refund.id, amount=refund.amount,
                                      currency=refund.currency, now=now)
    refunded = session.exec(select(func.coalesce(func.sum(Refund.amount), 0))
                            .where(Refund.payment_id == payment.id, Refund.status == RefundStatus.SUCCEEDED)).one()
    if refunded > 0 and payment.status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        payment.amount_refunded = refunded
        payment.status = PaymentStatus.REFUNDED if refunded >= payment.amount else PaymentStatus.PARTIALLY_REFUNDED
        payment.updated_at = now
        session.add(payment)


def apply_refund_event(refund: dict, *, now: datetime, record: EventRecorder | None = None) -> str:
    """``refund.updated`` / ``refund.failed``: the status of one of our refunds, or a refund
    of one of our payments made outside the app (Stripe's Dashboard), recorded as such.
    Raises ``LookupError`` only for a refund whose creation by an older version of the app is
    still in flight (its job records Stripe's answer; a retry then finds it). ``record`` (the
    webhook's) runs last in the same transaction."""
    with write_session() as session:
        outcome = _apply_refund_object(session, refund, now, may_wait=True)
        if record is not None:
            record(session.connection(), outcome)
    return outcome


def apply_charge_refunded(charge: dict, *, now: datetime, record: EventRecorder | None = None) -> str:
    """``charge.refunded``: every refund of the charge that the app does not know yet is
    recorded (from the charge's ``refunds`` list, or from Stripe when the list is not complete),
    so that the payment's refunded amount and status match Stripe's."""
    intent = charge.get("payment_intent")
    with read_session() as session:
        known = intent is not None and session.exec(
            select(Payment.id).where(Payment.payment_intent_id == intent)).first() is not None
    if not known:
        outcome = "ignored: not our charge"
        listed: list[dict] = []
    else:
        refund_list = charge.get("refunds") or {}
        if isinstance(refund_list.get("data"), list) and not refund_list.get("has_more"):
            listed = refund_list["data"]
        else:  # not included (newer API versions) or more than one page: ask Stripe
            listed = [{"id": r.id, "status": r.status, "amount": r.amount, "metadata": r.metadata,
                       "payment_intent": intent, "currency": charge.get("currency")}
                      for r in get_gateway().list_refunds(intent)]
    with write_session() as session:
        if known:
            outcomes = [_apply_refund_object(session, {"payment_intent": intent, **refund}, now, may_wait=False)
                        for refund in listed]
            recorded = sum(o.startswith("recorded") for o in outcomes)
            outcome = f"recorded {recorded} refund(s) made outside the app" if recorded else "acknowledged"
        if record is not None:
            record(session.connection(), outcome)
    return outcome


OUTSIDE_KEY_PREFIX = "stripe-outside-"
OUTSIDE_REASON = "Refunded in Stripe's Dashboard (outside the app)."


def _apply_refund_object(session: Session, refund: dict, now: datetime, *, may_wait: bool) -> str:
    status = refund.get("status")
    if status not in {s.value for s in RefundStatus}:
        return f"ignored: refund status {status!r}"
    refund_id = session.exec(select(Refund.id).where(Refund.stripe_refund_id == refund["id"])).first()
    if refund_id is None:
        payment = session.exec(select(Payment).where(Payment.payment_intent_id == refund.get("payment_intent"))).first()
        if payment is None:
            return "ignored: not our refund"
        payment = session.get(Payment, payment.id, with_for_update=True)  # one recorder per payment at a time
        refund_id = session.exec(select(Refund.id).where(Refund.stripe_refund_id == refund["id"])).first()
        if refund_id is None:
            metadata = refund.get("metadata") or {}
            ours = _our_refund_in_flight(session, payment.id, metadata.get("refund_id"))
            if ours is not None:  # Stripe's answer to our own call, arriving by webhook first
                session.execute(sa.update(Refund).where(Refund.id == ours, Refund.stripe_refund_id.is_(None))
                                .values(stripe_refund_id=refund["id"], updated_at=now))
                refund_id = ours
            elif "booking_id" in metadata and _promised_for_intent(session, payment.payment_intent_id):
                if may_wait:  # made by an older version without refund_id: its job will record it
                    raise LookupError(f"refund {refund['id']} not recorded yet")
                return "unchanged: a refund of ours in flight"
            else:
                return _record_outside_refund(session, payment, refund, now)
    apply_refund_status(session, refund_id, RefundStatus(status), now=now, failure=refund.get("failure_reason"))
    return f"refund {status}"


def _our_refund_in_flight(session: Session, payment_id: int, refund_id: object) -> int | None:
    if not isinstance(refund_id, str) or not refund_id.isdigit() or len(refund_id) > 18:
        return None
    return session.exec(select(Refund.id).where(Refund.id == int(refund_id), Refund.payment_id == payment_id,
                                                Refund.stripe_refund_id.is_(None))).first()


def _record_outside_refund(session: Session, payment: Payment, refund: dict, now: datetime) -> str:
    """A refund of our payment that the app did not make: a row of its own (so revenue and
    the payment's status are right), its event on the timeline, and the customer's mail."""
    amount = refund.get("amount")
    if not isinstance(amount, int) or amount <= 0:
        return "ignored: refund without an amount"
    row = Refund(payment_id=payment.id, idempotency_key=f"{OUTSIDE_KEY_PREFIX}{refund['id']}"[:255],
                 stripe_refund_id=refund["id"], amount=amount, currency=payment.currency,
                 status=RefundStatus.PENDING, reason=OUTSIDE_REASON, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    events.record(session, payment.booking_id, BookingEventKind.REFUND_REQUESTED, Actor.STRIPE, now=now,
                  amount=amount, currency=payment.currency, detail=OUTSIDE_REASON)
    log.warning("refund %s of payment %s made outside the app: recorded", refund["id"], payment.id)
    if refund["status"] != RefundStatus.PENDING:
        apply_refund_status(session, row.id, RefundStatus(refund["status"]), now=now,
                            failure=refund.get("failure_reason"))
    return f"recorded: a refund made outside the app ({refund['status']})"


def _promised_for_intent(session: Session, payment_intent_id: str | None) -> bool:
    """Is one of our refunds of this payment still waiting for Stripe's answer? Then an
    unknown refund event made by an older version of the app is probably its answer."""
    return session.exec(select(Refund.id).join(Payment).where(
        Payment.payment_intent_id == payment_intent_id, Refund.stripe_refund_id.is_(None),
        Refund.status.not_in(_FINAL))).first() is not None
