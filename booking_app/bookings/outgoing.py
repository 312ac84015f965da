"""Which outgoing webhooks a booking's changes promise, enqueued in the same transaction as
the change (like the mails in ``notices``): one ``webhook_event`` job per event, only when the
booking's builder has an enabled endpoint that takes that event. The job
(``integrations.delivery.fan_out``) writes one delivery per endpoint, each with its own
``webhook-id`` and its own retries.

Its dedupe key names the event and the moment (the calendar SEQUENCE, the refund), so a
repeated or concurrent change promises one event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session

from booking_app.jobs.queue import enqueue
from booking_app.models import Booking, Job, JobStatus, WebhookEndpoint
from booking_app.settings import get_settings

WEBHOOK_EVENT_JOB = "webhook_event"
CONFIRMED, CANCELLED, RESCHEDULED, REFUNDED = (
    "booking.confirmed", "booking.cancelled", "booking.rescheduled", "booking.refunded")
EVENT_TYPES = (CONFIRMED, CANCELLED, RESCHEDULED, REFUNDED)

_BOOKINGS = Booking.__table__
_ENDPOINTS = WebhookEndpoint.__table__
_JOBS = Job.__table__


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def _subscribed(builder_id: sa.ColumnElement) -> sa.Exists:
    """Does the builder have any enabled endpoint? (Which events each takes is the fan-out's
    business: the JSON list is read there, the same way on both databases.)"""
    return sa.exists(sa.select(_ENDPOINTS.c.id).where(_ENDPOINTS.c.builder_id == builder_id,
                                                      _ENDPOINTS.c.enabled == sa.true()))


def event_key(event_type: str, booking_id: int | sa.ColumnElement, key: str) -> str:
    return f"webhook:{event_type}:{booking_id}:{key}"


def promise(target: Session | Connection, booking_id: int, event_type: str, *, now: datetime, key: str,
            **facts: Any) -> bool:
    """Promise ``event_type`` for the booking, in the caller's transaction (nothing when its
    builder has no enabled endpoint). ``facts`` are the moment's details (the refund)."""
    connection = _connection(target)
    builder_id = sa.select(_BOOKINGS.c.builder_id).where(_BOOKINGS.c.id == booking_id).scalar_subquery()
    if not connection.execute(sa.select(_subscribed(builder_id))).scalar():
        return False
    dedupe = event_key(event_type, booking_id, key)
    return enqueue(connection, WEBHOOK_EVENT_JOB,
                   {"type": event_type, "booking_id": booking_id, "timestamp": now.isoformat(), "key": dedupe,
                    **facts},
                   now=now, booking_id=booking_id, dedupe_key=dedupe)


def booking_confirmed(target: Session | Connection, booking_id: int, *, now: datetime) -> None:
    promise(target, booking_id, CONFIRMED, now=now, key="0")


def booking_cancelled(target: Session | Connection, booking_id: int, *, sequence: int, now: datetime) -> None:
    promise(target, booking_id, CANCELLED, now=now, key=str(sequence))


def booking_rescheduled(target: Session | Connection, booking_id: int, *, sequence: int, old_start: datetime,
                        now: datetime) -> None:
    promise(target, booking_id, RESCHEDULED, now=now, key=str(sequence), previous_start=old_start.isoformat())


def booking_refunded(target: Session | Connection, booking_id: int, *, refund_id: int, amount: int, currency: str,
                     now: datetime) -> None:
    promise(target, booking_id, REFUNDED, now=now, key=f"refund-{refund_id}", refund_amount=amount,
            refund_currency=currency)


def confirmed_event_jobs(confirmed: sa.CTE) -> sa.Insert:
    """``booking_confirmed`` for each booking id in ``confirmed`` as one ``INSERT … SELECT``, for
    PostgreSQL's one-statement webhook path (the same row ``booking_confirmed`` writes; none
    when the builder has no enabled endpoint)."""
    booking_id = list(confirmed.c)[0]
    now = sa.bindparam("now", type_=_JOBS.c.run_at.type)
    key = sa.literal(f"webhook:{CONFIRMED}:") + sa.cast(booking_id, sa.String) + sa.literal(":0")
    payload = sa.func.json_build_object("type", CONFIRMED, "booking_id", booking_id,
                                        "timestamp", sa.func.to_char(sa.func.timezone(sa.literal("UTC", sa.String), now),
                                                                     sa.literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"',
                                                                                sa.String)),
                                        "key", key)
    builder_id = sa.select(_BOOKINGS.c.builder_id).where(_BOOKINGS.c.id == booking_id).scalar_subquery()
    rows = (sa.select(sa.literal(WEBHOOK_EVENT_JOB), payload.cast(_JOBS.c.payload.type), booking_id, key,
                      sa.literal(JobStatus.QUEUED.value), sa.literal(0),
                      sa.literal(get_settings().jobs_max_attempts), now, now, now)
            .select_from(confirmed).where(_subscribed(builder_id)))
    return pg_insert(_JOBS).from_select(
        ["kind", "payload", "booking_id", "dedupe_key", "status", "attempts", "max_attempts", "run_at", "created_at",
         "updated_at"], rows).on_conflict_do_nothing(index_elements=[_JOBS.c.dedupe_key])
