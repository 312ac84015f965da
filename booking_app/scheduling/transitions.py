"""Booking status transitions: each a compare-and-swap on the current status, so a repeated
or concurrent call changes nothing twice. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app.models import Booking, BookingStatus, CancelledBy
from booking_app.scheduling.guards import lock_builder, time_is_taken, violated_guard


def _transition(
    session: Session, booking_id: int, sources: tuple[BookingStatus, ...], target: BookingStatus, now: datetime, **values
) -> bool:
    """Move a booking from one of ``sources`` to ``target``; False if its status was neither
    (already moved by a concurrent or repeated call). The caller commits."""
    result = session.execute(
        sa.update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(sources))
        .values(status=target, updated_at=now, **values)
    )
    return result.rowcount == 1


_BOOKINGS = Booking.__table__


def confirm_statement(booking_id: sa.ColumnElement) -> sa.Update:
    """The pending-payment → confirmed swap for the booking ``booking_id`` selects (a bound
    parameter, or a subquery when payments folds it into one statement with its own)."""
    return (
        sa.update(_BOOKINGS)
        .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status == BookingStatus.PENDING_PAYMENT)
        .values(status=BookingStatus.CONFIRMED, updated_at=sa.bindparam("now", type_=_BOOKINGS.c.updated_at.type),
                confirmed_at=sa.bindparam("confirmed_at", type_=_BOOKINGS.c.confirmed_at.type))
    )


# Built once: every paid booking is confirmed here by the Stripe webhook, and building the
# statement per call was the largest part of its CPU. A Core statement (not an ORM bulk
# update): nothing relies on in-session objects being synchronised.
_CONFIRM = confirm_statement(sa.bindparam("booking_id", type_=_BOOKINGS.c.id.type))


def confirm_booking(session: Session, booking_id: int, *, now: datetime) -> bool:
    """A paid hold becomes a booking."""
    return session.execute(_CONFIRM, {"booking_id": booking_id, "now": now, "confirmed_at": now}).rowcount == 1


def expire_hold(session: Session, booking_id: int, *, now: datetime) -> bool:
    """An unpaid hold releases its time."""
    return _transition(session, booking_id, (BookingStatus.PENDING_PAYMENT,), BookingStatus.EXPIRED, now)


def cancel_booking(session: Session, booking_id: int, *, now: datetime, by: CancelledBy, reason: str = "") -> bool:
    """A hold or a booking is cancelled (refunds are the payments module's business)."""
    return _transition(
        session,
        booking_id,
        BookingStatus.active(),
        BookingStatus.CANCELLED,
        now,
        cancelled_at=now,
        cancelled_by=by,
        cancellation_reason=reason[:500] or None,
    )


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


def reactivate_expired_booking(session: Session, booking: Booking, *, now: datetime) -> bool:
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
            return _transition(session, booking.id, (BookingStatus.EXPIRED,), BookingStatus.CONFIRMED, now,
                               confirmed_at=now)
    except sa.exc.IntegrityError as exc:
        if violated_guard(exc) is None:
            raise
        return False


def cancel_expired_booking(session: Session, booking_id: int, *, now: datetime, reason: str) -> bool:
    """An expired hold whose late payment is being refunded is marked cancelled by the system."""
    return _transition(session, booking_id, (BookingStatus.EXPIRED,), BookingStatus.CANCELLED, now,
                       cancelled_at=now, cancelled_by=CancelledBy.SYSTEM, cancellation_reason=reason[:500])


def expire_stale_holds(session: Session, *, now: datetime, builder_id: int | None = None) -> list[int]:
    """Mark every hold past its expiry as expired; returns their ids. Idempotent."""
    statement = (
        sa.update(Booking)
        .where(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at <= now)
        .values(status=BookingStatus.EXPIRED, updated_at=now)
        .returning(Booking.id)
    )
    if builder_id is not None:
        statement = statement.where(Booking.builder_id == builder_id)
    return list(session.execute(statement).scalars())
