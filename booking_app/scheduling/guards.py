"""The double-booking guards the hold and late-payment paths share.

The database has the last word (PostgreSQL's exclusion constraint, the seat index); these
helpers check first, inside the caller's write transaction, and recognise the guards when
they refuse a row.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from booking_app.models import Booking, BookingStatus, BusyTime, UTCDateTime
from booking_app.scheduling.availability import occupies_time

OVERLAP_GUARDS = ("booking_no_overlap", "uq_booking_active_seat")
RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
BUILDER_LOCK_SPACE = 1  # pg_advisory_xact_lock(int, int) key space for per-builder locks


def lock_builder(session: Session, builder_id: int) -> None:
    """PostgreSQL: one booking write per builder at a time, until the transaction ends.

    Concurrent inserts checked by the exclusion constraint can deadlock each other
    (PostgreSQL's own caveat for exclusion constraints); serialised per builder they never
    collide, and the constraint stays the backstop. SQLite's write lock already serialises.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(BUILDER_LOCK_SPACE, builder_id)))


def time_is_taken(
    session: Session, builder_id: int, blocked_start: datetime, blocked_end: datetime, key: str, now: datetime
) -> bool:
    """Does an active booking of the builder block part of ``[blocked_start, blocked_end)``?
    Seats of the same group slot (same occupancy key) share their time."""
    return overlap_exists(session.connection(), builder_id, blocked_start, blocked_end, key, now)


def overlap_exists(
    connection: sa.Connection, builder_id: int, blocked_start: datetime, blocked_end: datetime, key: str,
    now: datetime,
) -> bool:
    """``time_is_taken`` on a bare connection (for example ``db.read_connection``: one round trip)."""
    values = {"builder_id": builder_id, "lo": blocked_start, "hi": blocked_end, "key": key, "now": now}
    statement = _TAKEN_PG if connection.dialect.name == "postgresql" else _TAKEN
    return bool(connection.execute(statement, values).scalar())


_BOOKINGS = Booking.__table__.c
# Built once (a Core statement with parameters): it runs on every hold, twice for most, and
# building the ORM query each time cost as much as running it.
_TIME_TAKEN = (
    sa.select(_BOOKINGS.id)
    .where(
        _BOOKINGS.builder_id == sa.bindparam("builder_id"),
        occupies_time(sa.bindparam("now", type_=UTCDateTime)),
        _BOOKINGS.blocked_end > sa.bindparam("lo"),
        _BOOKINGS.blocked_start < sa.bindparam("hi"),
        _BOOKINGS.occupancy_key != sa.bindparam("key"),
    )
    .limit(1)
)
# PostgreSQL: the same, plus conditions it implies that match the exclusion constraint's GiST
# index (active bookings, overlapping ranges), so the look-up is an index probe instead of a
# scan of the builder's whole history (0.6 ms → 0.02 ms with 5,000 bookings).
_TIME_TAKEN_PG = _TIME_TAKEN.where(
    _BOOKINGS.status.in_(BookingStatus.active()),
    sa.func.tstzrange(_BOOKINGS.blocked_start, _BOOKINGS.blocked_end, "[)").op("&&")(
        sa.func.tstzrange(sa.bindparam("lo"), sa.bindparam("hi"), "[)")),
)


# Busy time from the builder's own calendars (booking_app/calendars) blocks like a booking.
_BUSY = BusyTime.__table__.c
_BUSY_TAKEN = sa.select(_BUSY.id).where(
    _BUSY.builder_id == sa.bindparam("builder_id"),
    _BUSY.end_at > sa.bindparam("lo", type_=UTCDateTime),
    _BUSY.start_at < sa.bindparam("hi", type_=UTCDateTime),
)
# One round trip for both: a booking or busy time in the way.
_TAKEN = sa.select(sa.or_(sa.exists(_TIME_TAKEN), sa.exists(_BUSY_TAKEN)))
_TAKEN_PG = sa.select(sa.or_(sa.exists(_TIME_TAKEN_PG), sa.exists(_BUSY_TAKEN)))


def violated_guard(exc: sa.exc.IntegrityError) -> str | None:
    """Which double-booking guard refused the insert, if it was one of them."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    text = str(exc.orig)
    if name in OVERLAP_GUARDS:
        return name
    if "booking.occupancy_key, booking.seat" in text:  # SQLite names columns, not the index
        return "uq_booking_active_seat"
    return None

def sqlstate(exc: sa.exc.DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


