"""Refunds: written down before Stripe is asked, so no booking is ever refunded twice.

The ``refund`` row's unique idempotency key names *why* money goes back (builder cancel,
customer cancel, late payment for a taken slot); the same key is Stripe's idempotency key,
so a retried or concurrent attempt finds the row (and Stripe the first refund) and stops.
A payment's refunded amount is always recomputed from its succeeded refunds, so replayed
or reordered refund events cannot double-count.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, func, select

from booking_app.db import write_session
from booking_app.errors import PaymentUnavailable
from booking_app.models import Payment, PaymentStatus, Refund, RefundStatus
from booking_app.payments.gateway import get_gateway

if TYPE_CHECKING:
    from booking_app.payments.event_log import EventRecorder

log = logging.getLogger(__name__)
_OUTSTANDING = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)


def refund_payment(payment_id: int, *, amount: int | None, reason_key: str, reason: str, now: datetime) -> Refund | None:
    """Refund ``amount`` (None = everything not yet refunded) of a paid payment, once per
    ``reason_key``. Returns the refund row, or None if there was nothing to refund."""
    key = f"refund-payment-{payment_id}-{reason_key}"
    with write_session() as session:
        existing = session.exec(select(Refund).where(Refund.idempotency_key == key)).first()
        if existing is not None and existing.stripe_refund_id is not None:
            return existing
        payment = session.get(Payment, payment_id, with_for_update=True)
        if existing is None:
            committed = session.exec(select(func.coalesce(func.sum(Refund.amount), 0))
                                     .where(Refund.payment_id == payment_id, Refund.status.in_(_OUTSTANDING))).one()
            available = payment.amount - committed
            amount = available if amount is None else min(amount, available)
            if amount <= 0 or payment.payment_intent_id is None:
                return None
            existing = Refund(payment_id=payment_id, idempotency_key=key, amount=amount, currency=payment.currency,
                              status=RefundStatus.PENDING, reason=reason[:500], created_at=now, updated_at=now)
            session.add(existing)
            session.flush()
        refund_id, intent_id, booking_id, amount = existing.id, payment.payment_intent_id, payment.booking_id, existing.amount
    try:
        result = get_gateway().refund(payment_intent_id=intent_id, amount=amount, idempotency_key=key, booking_id=booking_id)
    except PaymentUnavailable:
        log.warning("refund %s for payment %s left pending: Stripe unreachable; retry later", refund_id, payment_id)
        raise
    with write_session() as session:
        session.execute(sa.update(Refund).where(Refund.id == refund_id)
                        .values(stripe_refund_id=result.id, updated_at=now))
        apply_refund_status(session, refund_id, RefundStatus(result.status), now=now)
        return session.get(Refund, refund_id)


def apply_refund_status(session: Session, refund_id: int, status: RefundStatus, *, now: datetime,
                        failure: str | None = None) -> None:
    """Set a refund's status (from Stripe's answer or a refund event) and recompute its
    payment's refunded amount and status. Idempotent; a final status is never undone."""
    final = (RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED)
    session.execute(
        sa.update(Refund).where(Refund.id == refund_id, Refund.status.not_in(final))
        .values(status=status, failure_message=failure, updated_at=now)
    )
    payment_id = session.exec(select(Refund.payment_id).where(Refund.id == refund_id)).one()
    refunded = session.exec(select(func.coalesce(func.sum(Refund.amount), 0))
                            .where(Refund.payment_id == payment_id, Refund.status == RefundStatus.SUCCEEDED)).one()
    payment = session.get(Payment, payment_id)
    if refunded > 0 and payment.status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        payment.amount_refunded = refunded
        payment.status = PaymentStatus.REFUNDED if refunded >= payment.amount else PaymentStatus.PARTIALLY_REFUNDED
        payment.updated_at = now
        session.add(payment)


def apply_refund_event(refund: dict, *, now: datetime, record: EventRecorder | None = None) -> str:
    """``refund.updated`` / ``refund.failed``. Raises ``LookupError`` for a refund we have not
    recorded yet (its creation is still in flight: a retry will find it). ``record`` (the
    webhook's) runs last in the same transaction."""
    with write_session() as session:
        outcome = _apply_refund_event(session, refund, now)
        if record is not None:
            record(session.connection(), outcome)
    return outcome


def _apply_refund_event(session: Session, refund: dict, now: datetime) -> str:
    refund_id = session.exec(select(Refund.id).where(Refund.stripe_refund_id == refund["id"])).first()
    if refund_id is None:
        known_intent = session.exec(select(Payment.id).where(Payment.payment_intent_id == refund.get("payment_intent"))).first()
        if known_intent is None:
            return "ignored: not our refund"
        raise LookupError(f"refund {refund['id']} not recorded yet")
    apply_refund_status(session, refund_id, RefundStatus(refund["status"]), now=now,
                        failure=refund.get("failure_reason"))
    return f"refund {refund['status']}"
