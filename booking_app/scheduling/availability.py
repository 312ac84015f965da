"""Reading a builder's offer and busy time from the database and feeding the pure slot engine.

Read-only: the writes (holds, transitions) live in ``service.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from booking_app.models import (
    Booking,
    BookingStatus,
    Builder,
    BusyTime,
    DateOverride,
    DateOverrideWindow,
    SessionType,
)
from booking_app.models import WeeklyWindow as WeeklyWindowRow
from booking_app.scheduling.slots import WeeklyWindow, compute_slots, load_timezone

ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class OfferedSlot:
    start: datetime  # UTC
    end: datetime  # UTC
    seats_left: int


def minute_to_time(minute: int) -> time:
    """Stored minutes since midnight → the engine's times (1440, the day's end, → 00:00)."""
    return time(0, 0) if minute == 1440 else time(minute // 60, minute % 60)


def group_occupancy_key(session_type_id: int, start: datetime) -> str:
    """Shared by every seat of one start of a group session (see models.Booking)."""
    return f"group:{session_type_id}:{start.isoformat()}"


def booking_occupancy_key(token: str) -> str:
    """Unique to one one-to-one booking."""
    return f"booking:{token}"


def occupies_time(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for bookings that block time at ``now``: confirmed ones and unexpired holds.

    A hold past its expiry no longer blocks anything, even before the sweep marks it expired.
    """
    return sa.or_(
        Booking.status == BookingStatus.CONFIRMED,
        sa.and_(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now),
    )


def load_weekly(session: Session, builder_id: int) -> list[WeeklyWindow]:
    rows = session.connection().execute(_WEEKLY, {"builder_id": builder_id})
    return [WeeklyWindow(weekday, minute_to_time(start), minute_to_time(end)) for weekday, start, end in rows]


def load_overrides(
    session: Session, builder_id: int, first_day: date, last_day: date
) -> dict[date, list[tuple[time, time]]]:
    """Date overrides between two dates (both included); an override without windows maps to
    an empty list (the day is unavailable)."""
    rows = session.connection().execute(_OVERRIDES, {"builder_id": builder_id, "first": first_day, "last": last_day})
    overrides: dict[date, list[tuple[time, time]]] = {}
    for day, start, end in rows:
        windows = overrides.setdefault(day, [])
        if start is not None:
            windows.append((minute_to_time(start), minute_to_time(end)))
    return overrides


# Prebuilt Core statements (every slots request and every hold runs them).
_WEEKLY_C = WeeklyWindowRow.__table__.c
_WEEKLY = sa.select(_WEEKLY_C.weekday, _WEEKLY_C.start_minute, _WEEKLY_C.end_minute).where(
    _WEEKLY_C.builder_id == sa.bindparam("builder_id"))
_OVERRIDE_C, _OVERRIDE_WINDOW_C = DateOverride.__table__.c, DateOverrideWindow.__table__.c
_OVERRIDES = (
    sa.select(_OVERRIDE_C.day, _OVERRIDE_WINDOW_C.start_minute, _OVERRIDE_WINDOW_C.end_minute)
    .select_from(DateOverride.__table__.outerjoin(
        DateOverrideWindow.__table__, _OVERRIDE_WINDOW_C.override_id == _OVERRIDE_C.id))
    .where(_OVERRIDE_C.builder_id == sa.bindparam("builder_id"), _OVERRIDE_C.day >= sa.bindparam("first"),
           _OVERRIDE_C.day <= sa.bindparam("last"))
    .order_by(_OVERRIDE_C.day, _OVERRIDE_WINDOW_C.start_minute)
)


def offered_slots(
    session: Session,
    session_type: SessionType,
    builder: Builder,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    include_busy: bool = True,
) -> list[OfferedSlot]:
    """Slots of ``session_type`` starting in ``[start, end)``; with ``include_busy=False``
    the builder's bookings are ignored (to tell "never offered" from "just taken")."""
    duration = timedelta(minutes=session_type.duration_minutes)
    before = timedelta(minutes=session_type.buffer_before_minutes)
    after = timedelta(minutes=session_type.buffer_after_minutes)
    zone = load_timezone(builder.timezone)
    one_day = timedelta(days=1)
    overrides = load_overrides(
        session, builder.id, start.astimezone(zone).date() - one_day, end.astimezone(zone).date() + one_day
    )
    lo, hi = start - before, end + duration + after
    is_group = session_type.seats > 1
    own_group = f"group:{session_type.id}:"
    same_group: list = []
    if not include_busy:
        busy: list[tuple[datetime, datetime]] = []
    elif is_group:
        rows = _busy_rows(session, builder.id, lo, hi, now, with_group_columns=True)
        same_group = [r for r in rows if r.occupancy_key.startswith(own_group)]
        busy = [(r.blocked_start, r.blocked_end) for r in rows if not r.occupancy_key.startswith(own_group)]
        busy += calendar_busy_spans(session, builder.id, lo, hi)
    else:
        busy = busy_spans(session, builder.id, lo, hi, now) + calendar_busy_spans(session, builder.id, lo, hi)
    starts = compute_slots(
        timezone=builder.timezone,
        weekly=load_weekly(session, builder.id),
        overrides=overrides,
        duration=duration,
        interval=timedelta(minutes=session_type.interval_minutes) if session_type.interval_minutes else None,
        buffer_before=before,
        buffer_after=after,
        minimum_notice=timedelta(minutes=session_type.minimum_notice_minutes),
        horizon=timedelta(days=session_type.horizon_days),
        busy=busy,
        start=start,
        end=end,
        now=now,
    )
    if not is_group:
        return [OfferedSlot(s, s + duration, 1) for s in starts]
    taken = Counter(r.start_at for r in same_group)
    slots = []
    for s in starts:
        span_start, span_end = s - before, s + duration + after
        # Seats of the same session at another, overlapping start make this one unbookable.
        clash = any(r.start_at != s and r.blocked_start < span_end and r.blocked_end > span_start for r in same_group)
        if not clash and taken[s] < session_type.seats:
            slots.append(OfferedSlot(s, s + duration, session_type.seats - taken[s]))
    return slots


_BOOKINGS = Booking.__table__.c


def _busy_rows(
    session: Session, builder_id: int, lo: datetime, hi: datetime, now: datetime, *, with_group_columns: bool = False
):
    """Blocked spans of the builder's bookings that reach into ``[lo, hi)``.

    Plain Core columns, not ORM entities: availability reads thousands of these per request
    and ORM row processing was half of its time.
    """
    columns = [_BOOKINGS.blocked_start, _BOOKINGS.blocked_end]
    if with_group_columns:
        columns += [_BOOKINGS.occupancy_key, _BOOKINGS.start_at]
    return session.connection().execute(_busy_query(columns, builder_id, lo, hi, now)).all()


def _busy_query(columns: list, builder_id: int, lo: datetime, hi: datetime, now: datetime) -> sa.Select:
    return sa.select(*columns).where(
        _BOOKINGS.builder_id == builder_id,
        occupies_time(now),
        _BOOKINGS.blocked_end > lo,
        _BOOKINGS.blocked_start < hi,
    )


def busy_spans(session: Session, builder_id: int, lo: datetime, hi: datetime, now: datetime
               ) -> list[tuple[datetime, datetime]]:
    """``[blocked_start, blocked_end)`` of the builder's bookings that block time at ``now``
    (confirmed ones and unexpired holds) and reach into ``[lo, hi)``, as UTC datetimes
    (``tzinfo is datetime.UTC``, exactly what ``UTCDateTime`` gives).

    The timestamps come back as ISO-8601 text that ``datetime.fromisoformat`` turns into UTC
    datetimes in one C call each: ``UTCDateTime``'s per-value processing was a third of a
    month's slots request with a few thousand values. The WHERE clause still binds through
    ``UTCDateTime``.
    """
    connection = session.connection()
    parse = datetime.fromisoformat
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_busy_query(_PG_UTC_TEXT, builder_id, lo, hi, now)).all()
        return [(parse(start), parse(end)) for start, end in rows]
    # SQLite: UTCDateTime stores naive UTC text ("2026-03-01 09:00:00.000000"); read with an
    # explicit offset, it parses straight to UTC.
    rows = connection.execute(_busy_query(_RAW_SPAN, builder_id, lo, hi, now)).all()
    try:
        return [(parse(start + _UTC_SUFFIX), parse(end + _UTC_SUFFIX)) for start, end in rows]
    except (TypeError, ValueError):  # text in another form than UTCDateTime writes
        return [(_parse_utc(start), _parse_utc(end)) for start, end in rows]


def calendar_busy_spans(session: Session, builder_id: int, lo: datetime, hi: datetime
                        ) -> list[tuple[datetime, datetime]]:
    """Busy time from the builder's own calendars (``booking_app/calendars``) that reaches into
    ``[lo, hi)``, as UTC datetimes (read the fast way, as ``busy_spans`` does)."""
    connection = session.connection()
    parse = datetime.fromisoformat
    where = (_CALENDAR_BUSY.builder_id == builder_id, _CALENDAR_BUSY.end_at > lo, _CALENDAR_BUSY.start_at < hi)
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.select(*_PG_BUSY_TEXT).where(*where)).all()
        return [(parse(start), parse(end)) for start, end in rows]
    rows = connection.execute(sa.select(*_RAW_BUSY).where(*where)).all()
    try:
        return [(parse(start + _UTC_SUFFIX), parse(end + _UTC_SUFFIX)) for start, end in rows]
    except (TypeError, ValueError):
        return [(_parse_utc(start), _parse_utc(end)) for start, end in rows]


_UTC_SUFFIX = "+00:00"
# The stored text as is (no result processing).
_RAW_SPAN = [sa.type_coerce(_BOOKINGS.blocked_start, sa.types.NullType()),
             sa.type_coerce(_BOOKINGS.blocked_end, sa.types.NullType())]


def _pg_utc_text(column: sa.ColumnElement) -> sa.ColumnElement[str]:
    """PostgreSQL: ``column`` as ISO text in UTC with ``+00:00``, whatever the session's TimeZone."""
    return sa.func.to_char(sa.func.timezone("UTC", column), f'YYYY-MM-DD"T"HH24:MI:SS.US"{_UTC_SUFFIX}"',
                           type_=sa.String)


_PG_UTC_TEXT = [_pg_utc_text(_BOOKINGS.blocked_start), _pg_utc_text(_BOOKINGS.blocked_end)]
_CALENDAR_BUSY = BusyTime.__table__.c
_RAW_BUSY = [sa.type_coerce(_CALENDAR_BUSY.start_at, sa.types.NullType()),
             sa.type_coerce(_CALENDAR_BUSY.end_at, sa.types.NullType())]
_PG_BUSY_TEXT = [_pg_utc_text(_CALENDAR_BUSY.start_at), _pg_utc_text(_CALENDAR_BUSY.end_at)]


def _parse_utc(text: str | datetime) -> datetime:
    """The slow, general reading of a stored timestamp, as ``UTCDateTime`` does it."""
    value = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def slot_at(
    session: Session, session_type: SessionType, builder: Builder, start: datetime, now: datetime, *, include_busy: bool
) -> OfferedSlot | None:
    """The offered slot starting exactly at ``start``, if there is one."""
    found = offered_slots(
        session, session_type, builder, start=start, end=start + ONE_MICROSECOND, now=now, include_busy=include_busy
    )
    return found[0] if found else None
