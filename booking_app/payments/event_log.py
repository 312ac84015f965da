"""The ``stripe_event`` log: which Stripe events were handled and what came of them.

An event's row is written in the same transaction as the changes the event causes, so a
crash leaves neither, and of two deliveries racing each other exactly one commits: the other
finds the row (PostgreSQL waits for the first transaction at the unique index; SQLite's write
lock serialises them) and rolls its own changes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from booking_app.db import read_connection
from booking_app.models import StripeEvent, StripeEventOutcome


class DuplicateEvent(Exception):
    """The event was recorded by another delivery first; the transaction is rolled back."""


_EVENTS = StripeEvent.__table__
_SEEN = sa.select(_EVENTS.c.id).where(_EVENTS.c.event_id == sa.bindparam("event_id"))


def already_recorded(event_id: str) -> bool:
    """A cheap look-up before the work; the insert at the end is what actually decides."""
    with read_connection() as connection:
        return connection.execute(_SEEN, {"event_id": event_id}).first() is not None


def _bound(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=getattr(_EVENTS.c, name).type)


_ROW = {name: _bound(name) for name in ("event_id", "event_type", "outcome", "detail", "processed_at")}


def _insert(insert) -> sa.Insert:  # noqa: ANN001 - a dialect's insert()
    return (insert(_EVENTS).values(**_ROW)
            .on_conflict_do_nothing(index_elements=[_EVENTS.c.event_id]).returning(_EVENTS.c.id))


# Built once per dialect: SQLAlchemy then reuses the compiled form on every event.
_INSERT = {"postgresql": _insert(pg_insert), "sqlite": _insert(sqlite_insert)}


def insert_if(condition: sa.ColumnElement[bool]) -> sa.Insert:
    """PostgreSQL: the row insert as part of a larger statement (a CTE), made only when
    ``condition`` holds; RETURNING gives no row on a duplicate. Parameters: ``params``."""
    return (pg_insert(_EVENTS).from_select(list(_ROW), sa.select(*_ROW.values()).where(condition))
            .on_conflict_do_nothing(index_elements=[_EVENTS.c.event_id]).returning(_EVENTS.c.id))


@dataclass(frozen=True)
class EventRecorder:
    """Records one verified event in the caller's transaction, with what handling it produced.

    Handlers call it last, inside the transaction of their changes; a hot path may instead
    fold ``insert_if`` with ``params`` into its own statement."""

    event_id: str
    event_type: str
    now: datetime

    def params(self, outcome: str) -> dict[str, object]:
        kind = StripeEventOutcome.IGNORED if outcome.startswith("ignored") else StripeEventOutcome.PROCESSED
        return {"event_id": self.event_id, "event_type": self.event_type[:100], "outcome": kind,
                "detail": outcome[:500], "processed_at": self.now}

    def __call__(self, connection: Connection, outcome: str) -> None:
        """Insert the row, or raise ``DuplicateEvent`` if the event is recorded already."""
        if connection.execute(_INSERT[connection.dialect.name], self.params(outcome)).first() is None:
            raise DuplicateEvent(self.event_id)
