"""Booking status transitions, each a compare-and-swap on the current status that records its
event in the same transaction: a repeated or concurrent call changes nothing twice, and the
timeline shows each change exactly once. The caller owns the transaction.

This module and ``holds`` are the only code that writes ``booking.status``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from booking_app.bookings import events, notices, outgoing
from booking_app.models import Actor, Booking, BookingEvent, BookingEventKind, BookingStatus, CancelledBy
from booking_app.scheduling.guards import lock_builder, time_is_taken, violated_guard

_BOOKINGS = Booking.__table__


def _transition(
    target: Session | Connection, booking_id: int, sources: tuple[BookingStatus, ...], status: BookingStatus,
    now: datetime, **values
) -> bool:
    """Move a booking from one of ``sources`` to ``status``; False if its status was neither
    (already moved by a concurrent or repeated call). The caller commits."""
    connection = target.connection() if isinstance(target, Session) else target
    result = connection.execute(
        sa.update(_BOOKINGS)
        .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status.in_(sources))
        .values(status=status, updated_at=now, **values)
    )
    return result.rowcount == 1


def confirm_statement(booking_id: sa.ColumnElement) -> sa.Update:
    """The pending-payment → confirmed swap for the booking ``booking_id`` selects (a bound
    parameter, or a subquery when payments folds it into one statement with its own)."""
    return (
        sa.update(_BOOKINGS)
        .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status == BookingStatus.PENDING_PAYMENT)
        .values(status=BookingStatus.CONFIRMED, updated_at=sa.bindparam("now", type_=_BOOKINGS.c.updated_at.type),
                confirmed_at=sa.bindparam("confirmed_at", type_=_BOOKINGS.c.confirmed_at.type))
    )


_NOW = sa.bindparam("now", type_=_BOOKINGS.c.updated_at.type)


def paid_and_confirmed_events(confirmed: sa.CTE, amount: sa.ColumnElement, currency: sa.ColumnElement) -> sa.Insert:
    """The "paid" and "confirmed" events for each booking id in ``confirmed`` (a CTE of
    bookings just confirmed), as one ``INSERT … SELECT … UNION ALL SELECT`` to fold into the
    same statement (PostgreSQL's one-statement webhook path). "paid" comes first, so it gets
    the lower id and the timeline reads in order. (Bound literals, not a VALUES list: the
    statement must stay cacheable, or SQLAlchemy compiles it again for every webhook.)"""
    booking_id = list(confirmed.c)[0]
    no_amount, no_currency = sa.null().cast(sa.Integer), sa.null().cast(sa.String)
    paid = sa.select(booking_id, sa.literal(BookingEventKind.PAID.value), sa.literal(Actor.STRIPE.value),
                     sa.literal(""), _NOW, amount, currency).select_from(confirmed)
    done = sa.select(booking_id, sa.literal(BookingEventKind.CONFIRMED.value), sa.literal(Actor.SYSTEM.value),
                     sa.literal(""), _NOW, no_amount, no_currency).select_from(confirmed)
    return BookingEvent.__table__.insert().from_select(
        ["booking_id", "kind", "actor", "detail", "created_at", "amount", "currency"], sa.union_all(paid, done))


# Built once: every paid booking is confirmed here by the Stripe webhook, and building the
# statement per call was the largest part of its CPU.
_CONFIRM = confirm_statement(sa.bindparam("booking_id", type_=_BOOKINGS.c.id.type))


def confirm_paid(connection: Connection, booking_id: int, *, amount: int, currency: str, now: datetime) -> bool:
    """A paid hold becomes a booking ("paid" and "confirmed" on its timeline)."""
    if connection.execute(_CONFIRM, {"booking_id": booking_id, "now": now, "confirmed_at": now}).rowcount != 1:
        return False
    events.record(connection, booking_id, BookingEventKind.PAID, Actor.STRIPE, now=now, amount=amount,
                  currency=currency)
    events.record(connection, booking_id, BookingEventKind.CONFIRMED, Actor.SYSTEM, now=now)
    notices.booking_confirmed(connection, booking_id, now=now)
    outgoing.booking_confirmed(connection, booking_id, now=now)
    return True


def expire_hold(target: Session | Connection, booking_id: int, *, now: datetime, detail: str = "") -> bool:
    """An unpaid hold releases its time."""
    if not _transition(target, booking_id, (BookingStatus.PENDING_PAYMENT,), BookingStatus.EXPIRED, now):
        return False
    events.record(target, booking_id, BookingEventKind.EXPIRED, Actor.SYSTEM, now=now, detail=detail)
    return True


def cancel(target: Session | Connection, booking_id: int, *, now: datetime, by: CancelledBy,
           actor_user_id: int | None = None, reason: str = "") -> bool:
    """A hold or a booking is cancelled (what it is owed is the caller's business)."""
    reason = " ".join(reason.split())[:500]  # one line: it is quoted in mails and on the timeline
    if not _transition(target, booking_id, BookingStatus.active(), BookingStatus.CANCELLED, now,
                       cancelled_at=now, cancelled_by=by, cancellation_reason=reason or None,
                       calendar_sequence=_BOOKINGS.c.calendar_sequence + 1):
        return False
    events.record(target, booking_id, BookingEventKind.CANCELLED, Actor(by.value), now=now,
                  actor_user_id=actor_user_id, detail=reason)
    return True


def extend_hold(session: Session, booking_id: int, *, until: datetime, now: datetime) -> bool:
    """Push a live hold's expiry out to ``until`` (a new Checkout Session needs ≥ 30 min)."""
    result = session.execute(
        sa.update(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.PENDING_PAYMENT,
               Booking.hold_expires_at > now, Booking.hold_expires_at < until)
        .values(hold_expires_at=until, updated_at=now)
    )
    return result.rowcount == 1 or session.exec(
        select(Booking.id).where(Booking.id == booking_id, Booking.status == BookingStatus.PENDING_PAYMENT,
                                 Booking.hold_expires_at >= until)
    ).first() is not None


def next_checkout_attempt(session: Session, booking_id: int, *, now: datetime) -> int | None:
    """Number the next Checkout attempt of a live hold: an atomic increment, so concurrent
    retries get different numbers (and so different Stripe idempotency keys). None when the
    booking is no longer a live hold."""
    return session.execute(
        sa.update(_BOOKINGS)
        .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status == BookingStatus.PENDING_PAYMENT,
               _BOOKINGS.c.hold_expires_at > now)
        .values(checkout_attempts=_BOOKINGS.c.checkout_attempts + 1, updated_at=now)
        .returning(_BOOKINGS.c.checkout_attempts)
    ).scalar_one_or_none()


def reactivate_expired_booking(session: Session, booking: Booking, *, amount: int, now: datetime) -> bool:
    """Late payment: an expired hold becomes a confirmed booking if its time is still free.

    Same guards as a new hold: the per-builder lock on PostgreSQL (the exclusion constraint
    backs it up), the write lock on SQLite. Returns False, changing nothing, if it is taken.
    """
    lock_builder(session, booking.builder_id)
    if time_is_taken(session, booking.builder_id, booking.blocked_start, booking.blocked_end,
                     booking.occupancy_key, now):
        return False
    try:
        with session.begin_nested():
            if not _transition(session, booking.id, (BookingStatus.EXPIRED,), BookingStatus.CONFIRMED, now,
                               confirmed_at=now):
                return False
    except sa.exc.IntegrityError as exc:
        if violated_guard(exc) is None:
            raise
        return False
    events.record(session, booking.id, BookingEventKind.PAID, Actor.STRIPE, now=now, amount=amount,
                  currency=booking.currency, detail="after the hold had expired")
    events.record(session, booking.id, BookingEventKind.CONFIRMED, Actor.SYSTEM, now=now,
                  detail="the time was still free")
    notices.booking_confirmed(session, booking.id, now=now)
    outgoing.booking_confirmed(session, booking.id, now=now)
    return True


def cancel_expired_booking(session: Session, booking_id: int, *, now: datetime, reason: str) -> bool:
    """An expired hold whose late payment is being refunded is marked cancelled by the system."""
    if not _transition(session, booking_id, (BookingStatus.EXPIRED,), BookingStatus.CANCELLED, now,
                       cancelled_at=now, cancelled_by=CancelledBy.SYSTEM, cancellation_reason=reason[:500]):
        return False
    events.record(session, booking_id, BookingEventKind.CANCELLED, Actor.SYSTEM, now=now, detail=reason)
    return True


def calendar_sequence(target: Session | Connection, booking_id: int) -> int:
    connection = target.connection() if isinstance(target, Session) else target
    return connection.execute(sa.select(_BOOKINGS.c.calendar_sequence).where(_BOOKINGS.c.id == booking_id)).scalar_one()


def expire_stale_holds(target: Session | Connection, *, now: datetime, builder_id: int | None = None) -> list[int]:
    """Mark every hold past its expiry as expired; returns their ids. Idempotent."""
    connection = target.connection() if isinstance(target, Session) else target
    statement = (
        sa.update(_BOOKINGS)
        .where(_BOOKINGS.c.status == BookingStatus.PENDING_PAYMENT, _BOOKINGS.c.hold_expires_at <= now)
        .values(status=BookingStatus.EXPIRED, updated_at=now)
        .returning(_BOOKINGS.c.id)
    )
    if builder_id is not None:
        statement = statement.where(_BOOKINGS.c.builder_id == builder_id)
    expired = list(connection.execute(statement).scalars())
    for booking_id in expired:
        events.record(connection, booking_id, BookingEventKind.EXPIRED, Actor.SYSTEM, now=now,
                      detail="the hold ran out unpaid")
    return expired
