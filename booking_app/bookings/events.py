"""Booking events: the timeline, written in the same transaction as the change it records.

Every status change in ``bookings/`` records its event here, so a booking's timeline and its
row never disagree: either both committed or neither did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from booking_app.models import Actor, BookingEvent, BookingEventKind

_EVENTS = BookingEvent.__table__
DETAIL_LIMIT = 1000


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def record(target: Session | Connection, booking_id: int, kind: BookingEventKind, actor: Actor, *, now: datetime,
           actor_user_id: int | None = None, amount: int | None = None, currency: str | None = None,
           detail: str = "") -> None:
    """Append one event to a booking's timeline, in the caller's transaction."""
    _connection(target).execute(_EVENTS.insert().values(
        booking_id=booking_id, kind=kind.value, actor=actor, actor_user_id=actor_user_id, amount=amount,
        currency=currency, detail=detail[:DETAIL_LIMIT], created_at=now,
    ))


def insert_from(booking_ids: sa.Select, kind: BookingEventKind, actor: Actor, *, now: sa.ColumnElement,
                amount: sa.ColumnElement | None = None, currency: sa.ColumnElement | None = None,
                detail: str = "") -> sa.Insert:
    """``INSERT … SELECT``: one event for each booking id ``booking_ids`` yields (its first
    column; ``amount``/``currency`` may refer to its other columns). For statements that change
    many bookings at once, or fold the event into a single statement with the change."""
    source = booking_ids.subquery()
    first = list(source.c)[0]
    columns = [first, sa.literal(kind.value), sa.literal(actor.value), sa.literal(detail[:DETAIL_LIMIT]), now]
    names = ["booking_id", "kind", "actor", "detail", "created_at"]
    if amount is not None:
        columns.append(amount)
        names.append("amount")
    if currency is not None:
        columns.append(currency)
        names.append("currency")
    return _EVENTS.insert().from_select(names, sa.select(*columns).select_from(source))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    amount: int | None
    currency: str | None
    detail: str


def timeline(target: Session | Connection, booking_id: int) -> list[TimelineEntry]:
    """A booking's events, oldest first."""
    rows = _connection(target).execute(
        sa.select(_EVENTS.c.created_at, _EVENTS.c.kind, _EVENTS.c.actor, _EVENTS.c.amount, _EVENTS.c.currency,
                  _EVENTS.c.detail)
        .where(_EVENTS.c.booking_id == booking_id).order_by(_EVENTS.c.id)
    ).all()
    return [TimelineEntry(r.created_at, r.kind, str(r.actor), r.amount, r.currency, r.detail) for r in rows]
