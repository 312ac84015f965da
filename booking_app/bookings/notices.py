"""Which e-mails a booking's changes promise, enqueued in the same transaction as the change
(``jobs`` of kind ``email``; ``booking_app.mail`` writes and sends them).

A mail names its template and recipient ("customer" or "builder") and carries the facts of
the moment it was promised (the calendar SEQUENCE, the refund amount); the rest is read
when it is sent. Its dedupe key makes promising the same mail twice a no-op, so a repeated
or concurrent change sends one mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from booking_app.bookings import events, queries
from booking_app.db import write_session
from booking_app.jobs.queue import enqueue
from booking_app.models import Actor, Booking, BookingEventKind, BookingStatus, Builder, Job, JobStatus
from booking_app.settings import get_settings

EMAIL_JOB = "email"
CUSTOMER, BUILDER = "customer", "builder"


def _promise(target: Session | Connection, booking_id: int, template: str, recipient: str, *, now: datetime,
             key: str, **facts: Any) -> bool:
    return enqueue(target, EMAIL_JOB, {"template": template, "recipient": recipient, "booking_id": booking_id, **facts},
            now=now, booking_id=booking_id, dedupe_key=f"email:{template}:{recipient}:{booking_id}:{key}")


# What confirming a booking promises — (template, recipient, facts) — written by
# ``booking_confirmed`` and, as SQL, by ``confirmed_mail_jobs``.
CONFIRMED_MAILS: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("booking_confirmed", CUSTOMER, {"sequence": 0}),  # with the invitation
    ("new_booking", BUILDER, {}),
)


def booking_confirmed(target: Session | Connection, booking_id: int, *, now: datetime) -> None:
    """To the customer: confirmed, with the invitation; to the builder: a new booking."""
    for template, recipient, facts in CONFIRMED_MAILS:
        _promise(target, booking_id, template, recipient, now=now, key="0", **facts)


def booking_cancelled(target: Session | Connection, booking_id: int, *, by: str, refund: int, sequence: int,
                      now: datetime) -> None:
    """Both sides: who cancelled and what is refunded; the customer's carries the CANCEL."""
    _promise(target, booking_id, "booking_cancelled", CUSTOMER, now=now, key=str(sequence), by=by, refund=refund,
             sequence=sequence)
    _promise(target, booking_id, "booking_cancelled", BUILDER, now=now, key=str(sequence), by=by, refund=refund)


def booking_moved(target: Session | Connection, booking_id: int, *, by: str, old_start: datetime, message: str,
                  sequence: int, now: datetime) -> None:
    """Both sides: the new time (and the builder's message); the customer's updates the invitation."""
    facts = dict(by=by, old_start=old_start.isoformat(), message=message)
    _promise(target, booking_id, "booking_moved", CUSTOMER, now=now, key=str(sequence), sequence=sequence, **facts)
    _promise(target, booking_id, "booking_moved", BUILDER, now=now, key=str(sequence), **facts)


def refund_completed(target: Session | Connection, booking_id: int, *, refund_id: int, amount: int,
                     currency: str, reason: str, now: datetime) -> None:
    _promise(target, booking_id, "refund_completed", CUSTOMER, now=now, key=str(refund_id), amount=amount,
             currency=currency, reason=reason)


def payment_failed(target: Session | Connection, booking_id: int, *, payment_id: int, now: datetime) -> None:
    _promise(target, booking_id, "payment_failed", CUSTOMER, now=now, key=str(payment_id))


MAX_REMINDER_HOURS = 168  # a week


def reminder_hours(text: str) -> list[int]:
    """A builder's reminder setting ("24,1") as hours, largest first; bad parts are ignored.

    >>> reminder_hours("1, 24,x,0,500"), reminder_hours("")
    ([24, 1], [])
    """
    hours = {int(part) for part in text.split(",") if part.strip().isdigit()}
    return sorted((h for h in hours if 0 < h <= MAX_REMINDER_HOURS), reverse=True)


def promise_due_reminders(*, now: datetime) -> int:
    """Promise the reminders now due: for each confirmed booking ahead, the smallest of its
    builder's windows ("24 h before", "1 h before") that has opened — so a runner that was
    stopped for a day sends one reminder, not two — unless the booking was made inside that
    window or its customer turned reminders off. The dedupe key names the window and the
    start, so each is promised once, and a moved booking gets its own. Returns how many."""
    with write_session() as session:
        rows = session.exec(
            select(Booking.id, Booking.start_at, Booking.confirmed_at, Builder.reminder_hours)
            .join(Builder, col(Builder.id) == Booking.builder_id)
            .where(Booking.status == BookingStatus.CONFIRMED, Booking.reminders_off == sa.false(),
                   Booking.start_at > now, Booking.start_at <= now + timedelta(hours=MAX_REMINDER_HOURS))
        ).all()
        promised = 0
        for booking_id, start, confirmed_at, hours_text in rows:
            due = [h for h in reminder_hours(hours_text) if start - timedelta(hours=h) <= now]
            if not due:
                continue
            hours = min(due)
            if confirmed_at is not None and confirmed_at > start - timedelta(hours=hours):
                continue  # booked inside the window: the confirmation was reminder enough
            promised += _promise(session, booking_id, "reminder", CUSTOMER, now=now,
                                 key=f"{hours}h:{start.isoformat()}", hours=hours, start=start.isoformat())
    return promised


def reminder_still_due(booking: Booking, start: str | None, *, now: datetime) -> bool:
    """Checked again when a promised reminder is sent: never for a booking cancelled, moved
    (``start``, the time it was promised for, differs) or turned off since."""
    return (booking.status == BookingStatus.CONFIRMED and not booking.reminders_off
            and booking.start_at.isoformat() == start and booking.start_at > now)


def turn_off_reminders(token: str, *, now: datetime) -> None:
    """The link in every reminder: no more reminders for this booking."""
    with write_session() as session:
        booking = queries.by_token(session, token).booking
        if session.execute(sa.update(Booking).where(Booking.id == booking.id, Booking.reminders_off == sa.false())
                           .values(reminders_off=True, updated_at=now)).rowcount:
            events.record(session, booking.id, BookingEventKind.REMINDERS_OFF, Actor.CUSTOMER, now=now)


_JOBS = Job.__table__


def confirmed_mail_jobs(confirmed: sa.CTE) -> sa.Insert:
    """``booking_confirmed`` for each booking id in ``confirmed`` as one ``INSERT … SELECT``, for
    the one-statement webhook path (the same rows ``booking_confirmed`` writes)."""
    booking_id = list(confirmed.c)[0]
    now = sa.bindparam("now", type_=_JOBS.c.run_at.type)
    attempts = get_settings().jobs_max_attempts
    rows = []
    for template, recipient, facts in CONFIRMED_MAILS:
        pairs = [part for name, value in facts.items() for part in (name, value)]
        payload = sa.func.json_build_object("template", template, "recipient", recipient, "booking_id", booking_id,
                                            *pairs)
        key = sa.literal(f"email:{template}:{recipient}:") + sa.cast(booking_id, sa.String) + sa.literal(":0")
        rows.append(sa.select(sa.literal(EMAIL_JOB), payload.cast(_JOBS.c.payload.type), booking_id, key,
                              sa.literal(JobStatus.QUEUED.value), sa.literal(0), sa.literal(attempts), now, now, now)
                    .select_from(confirmed))
    return pg_insert(_JOBS).from_select(
        ["kind", "payload", "booking_id", "dedupe_key", "status", "attempts", "max_attempts", "run_at", "created_at",
         "updated_at"], sa.union_all(*rows)).on_conflict_do_nothing(index_elements=[_JOBS.c.dedupe_key])
