"""A builder's own calendars: the private feed of their bookings, the calendars whose events
block their times (busy time), and the bookings written into a CalDAV calendar.

See ``booking_app/calendars/`` for the code that fills these tables.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, enum_column, utcnow


class CalendarKind(StrEnum):
    ICS = "ics"  # an iCalendar subscription URL (a "secret address")
    CALDAV = "caldav"  # a CalDAV account: read busy time, optionally write bookings


class CalendarFeed(SQLModel, table=True):
    """The secret address of a builder's bookings as an iCalendar feed. Rotating it replaces
    the token, so the old address stops working at once."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", unique=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True)  # ≥ 128 random bits, see tokens.py
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CalendarConnection(SQLModel, table=True):
    """One calendar source of a builder. Its address and password are credentials: they are
    stored encrypted (``secret``, Fernet) and never sent to the browser; ``display_url`` is
    the scheme and host only, to recognise it by."""

    __tablename__ = "calendar_connection"
    __table_args__ = (
        sa.CheckConstraint("failures >= 0", name="failures_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    kind: CalendarKind = Field(sa_type=enum_column(CalendarKind, "kind"), nullable=False)
    name: str = Field(max_length=200)
    display_url: str = Field(max_length=300)
    username: str = Field(default="", max_length=200)
    secret: str = Field(max_length=4000)  # Fernet token of {"url": …, "password": …}
    # CalDAV: calendar URLs (paths) to read busy time from ([] = all of the account's) and the
    # one to write bookings into (None = do not write).
    read_calendars: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    write_calendar: str | None = Field(default=None, max_length=2000)
    # Conditional requests for an ICS URL.
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last good sync
    last_error: str = Field(default="", max_length=500)
    failures: int = Field(default=0)  # in a row; paused after CALENDAR_MAX_FAILURES
    paused: bool = Field(default=False)
    event_count: int = Field(default=0)  # busy intervals from the last good sync
    # Write-back: every booking of the builder changed up to this moment has been written.
    written_through: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class BusyTime(SQLModel, table=True):
    """An interval in which a builder's own calendar says they are busy: slots overlapping it
    are not offered, and a booking into it is refused, like a booking of the app's own."""

    __tablename__ = "busy_time"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.Index("ix_busy_time_builder_span", "builder_id", "end_at", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="calendar_connection.id", index=True, ondelete="CASCADE")
    builder_id: int = Field(foreign_key="builder.id", ondelete="CASCADE")
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class CalendarWrite(SQLModel, table=True):
    """A booking as last written into a connection's calendar (so a cancellation knows to
    remove it, and an unchanged booking is not written again)."""

    __tablename__ = "calendar_write"
    __table_args__ = (sa.UniqueConstraint("connection_id", "booking_id", name="uq_calendar_write_connection_id_booking_id"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="calendar_connection.id", ondelete="CASCADE")
    booking_id: int = Field(foreign_key="booking.id", index=True, ondelete="CASCADE")
    sequence: int  # the booking's calendar_sequence when written
    present: bool  # True: the event is in the calendar; False: it was removed
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
