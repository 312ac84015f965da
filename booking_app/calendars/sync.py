"""Keeping connected calendars in step, as jobs of the outbox:

* ``sync_calendars`` (every minute) promises a ``sync_calendar`` job for each connection due
  (``CALENDAR_SYNC_MINUTES`` after its last attempt) and a ``write_calendar`` job for each
  CalDAV connection that writes bookings, when some booking of its builder changed.
* ``sync_calendar`` reads one connection (outside any transaction), then replaces its busy
  time in one transaction. A failure keeps the busy time of the last good sync (the booking
  page goes on working from it) and is shown on the calendars page; after
  ``CALENDAR_MAX_FAILURES`` in a row the connection is paused until the builder syncs it again.
* ``write_calendar`` makes the chosen calendar match the builder's bookings: each confirmed
  booking present (updated when its SEQUENCE grew), each cancelled one removed. State-based
  and idempotent, so a crash or a repeat never loses or doubles an event.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from booking_app.bookings import queries
from booking_app.calendar_ics import builder_event, event_uid, single_event_calendar
from booking_app.calendars import caldav_account, crypto
from booking_app.calendars.fetch import CalendarError, fetch_ics
from booking_app.calendars.parse import Interval, busy_intervals, merge
from booking_app.db import read_session, write_session
from booking_app.jobs import queue
from booking_app.jobs.queue import ClaimedJob, RetryLater
from booking_app.models import Booking, BookingStatus, Builder, BusyTime, CalendarConnection, CalendarKind, CalendarWrite
from booking_app.scheduling.slots import load_timezone
from booking_app.settings import get_settings

log = logging.getLogger(__name__)
DISPATCH_JOB, SYNC_JOB, WRITE_JOB = "sync_calendars", "sync_calendar", "write_calendar"
# Busy time is read from a day back to a year and a day ahead (the longest booking horizon).
READ_BEHIND, READ_AHEAD = timedelta(days=1), timedelta(days=367)
# A booking transaction may commit a little after the time it recorded; each write pass looks
# this far back again (unchanged bookings cost a comparison, not a request).
WRITE_OVERLAP = timedelta(minutes=5)


def dispatch(_job: ClaimedJob, now: datetime) -> None:
    every = timedelta(minutes=get_settings().calendar_sync_minutes)
    with write_session() as session:
        for connection in session.exec(select(CalendarConnection).where(CalendarConnection.paused == sa.false())):
            if connection.last_attempt_at is None or connection.last_attempt_at <= now - every:
                promise_sync(session, connection, now=now)
            if connection.write_calendar and _bookings_changed(session, connection):
                mark = connection.written_through.isoformat() if connection.written_through else "never"
                queue.enqueue(session, WRITE_JOB, {"connection_id": connection.id}, now=now,
                              dedupe_key=f"calendar-write:{connection.id}:{mark}")


def promise_sync(session: Session, connection: CalendarConnection, *, now: datetime, manual: bool = False) -> None:
    """One sync of this connection; a repeat of the same promise (same last attempt) is kept once."""
    mark = now.isoformat() if manual else (connection.last_attempt_at.isoformat() if connection.last_attempt_at
                                           else "never")
    queue.enqueue(session, SYNC_JOB, {"connection_id": connection.id}, now=now,
                  dedupe_key=f"calendar-sync:{connection.id}:{mark}")


def _bookings_changed(session: Session, connection: CalendarConnection) -> bool:
    query = select(Booking.id).where(Booking.builder_id == connection.builder_id)
    if connection.written_through is not None:
        query = query.where(Booking.updated_at > connection.written_through)
    return session.exec(query.limit(1)).first() is not None


# --- reading busy time ---------------------------------------------------------------------------


def sync_job(job: ClaimedJob, now: datetime) -> None:
    sync_connection(int(job.payload["connection_id"]), now=now)


def sync_connection(connection_id: int, *, now: datetime) -> None:
    with read_session() as session:
        connection = session.get(CalendarConnection, connection_id)
        if connection is None:
            return  # removed meanwhile
        zone = load_timezone(session.get(Builder, connection.builder_id).timezone)
        snapshot = connection.model_copy()
    try:
        result = _read(snapshot, zone, now)
    except (CalendarError, crypto.UnreadableSecret) as exc:
        _record_failure(connection_id, str(exc), now)
        return
    if result is None:  # 304: nothing changed since the last sync
        _record_unchanged(connection_id, now)
        return
    intervals, count, etag, last_modified = result
    with write_session() as session:
        connection = session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is None:
            return
        session.execute(sa.delete(BusyTime).where(BusyTime.connection_id == connection_id))
        if intervals:
            session.execute(sa.insert(BusyTime), [
                {"connection_id": connection_id, "builder_id": connection.builder_id, "start_at": lo, "end_at": hi}
                for lo, hi in intervals])
        connection.etag, connection.last_modified = etag, last_modified
        connection.last_attempt_at = connection.last_synced_at = now
        connection.last_error, connection.failures, connection.event_count = "", 0, count
        session.add(connection)
    log.info("calendar connection %s synced: %d busy occurrences, %d intervals", connection_id, count, len(intervals))


def _read(connection: CalendarConnection, zone, now: datetime):  # noqa: ANN001 - a ZoneInfo
    """(intervals, occurrences, etag, last_modified), or None when an ICS feed is unchanged."""
    secret = crypto.unseal(connection.secret)
    start, end = now - READ_BEHIND, now + READ_AHEAD
    own = own_uid_suffix()
    if connection.kind == CalendarKind.ICS:
        fetched = fetch_ics(secret["url"], etag=connection.etag, last_modified=connection.last_modified)
        if fetched.status == 304:
            return None
        intervals, count = busy_intervals(fetched.body, start=start, end=end, zone=zone, own_uid_suffix=own)
        return intervals, count, fetched.etag, fetched.last_modified
    with caldav_account.account(secret["url"], connection.username, secret.get("password", "")) as client:
        # All of the account's calendars but the one bookings are written into, unless chosen.
        urls = connection.read_calendars or [calendar.url for calendar in caldav_account.calendars(client)
                                             if calendar.url != connection.write_calendar]
        found: list[Interval] = []
        count = 0
        for data in caldav_account.event_data(client, urls, start, end):
            intervals, occurrences = busy_intervals(data, start=start, end=end, zone=zone, own_uid_suffix=own)
            found += intervals
            count += occurrences
    return merge(found), count, None, None


def own_uid_suffix() -> str:
    """The end of every UID the app gives a booking's event (``calendar_ics.event_uid``)."""
    return "@" + event_uid("x").rsplit("@", 1)[1]


def _record_failure(connection_id: int, message: str, now: datetime) -> None:
    limit = get_settings().calendar_max_failures
    with write_session() as session:
        connection = session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is None:
            return
        connection.failures += 1
        connection.last_attempt_at, connection.last_error = now, message[:500]
        connection.paused = connection.failures >= limit
        session.add(connection)
    log.warning("calendar connection %s: sync failed (%s)%s", connection_id, message,
                " — paused" if connection.paused else "")


def _record_unchanged(connection_id: int, now: datetime) -> None:
    with write_session() as session:
        connection = session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is not None:
            connection.last_attempt_at = connection.last_synced_at = now
            connection.last_error, connection.failures = "", 0
            session.add(connection)


# --- writing bookings ---------------------------------------------------------------------------


def write_job(job: ClaimedJob, now: datetime) -> None:
    write_bookings(int(job.payload["connection_id"]), now=now)


def write_bookings(connection_id: int, *, now: datetime) -> int:
    """Bring the connection's chosen calendar in line with the builder's bookings changed
    since the last pass; returns how many events were written or removed."""
    pass_started = now
    with read_session() as session:
        connection = session.get(CalendarConnection, connection_id)
        if connection is None or not connection.write_calendar or connection.paused:
            return 0
        since = connection.written_through
        changed = queries.of_builder(session, connection.builder_id, changed_after=since,
                                     ending_after=None if since else now - READ_BEHIND)
        written = {row.booking_id: row for row in session.exec(
            select(CalendarWrite).where(CalendarWrite.connection_id == connection_id,
                                        col(CalendarWrite.booking_id).in_([d.booking.id for d in changed])))}
        snapshot = connection.model_copy()
    todo = []
    for details in changed:
        booking, done = details.booking, written.get(details.booking.id)
        wanted = booking.status == BookingStatus.CONFIRMED and booking.end_at > now - READ_BEHIND
        if wanted and (done is None or not done.present or done.sequence != booking.calendar_sequence):
            todo.append((details, True))
        elif not wanted and done is not None and done.present:
            todo.append((details, False))
    if todo:
        try:
            secret = crypto.unseal(snapshot.secret)
            with caldav_account.account(secret["url"], snapshot.username, secret.get("password", "")) as client:
                for details, present in todo:
                    if present:
                        event = builder_event(details, now=now)
                        caldav_account.put_event(client, snapshot.write_calendar,
                                                 event_uid(details.booking.public_token), single_event_calendar(event))
                    else:
                        caldav_account.delete_event(client, snapshot.write_calendar,
                                                    event_uid(details.booking.public_token))
                    _record_write(connection_id, details.booking, present, now)
        except (CalendarError, crypto.UnreadableSecret) as exc:
            with write_session() as session:
                row = session.get(CalendarConnection, connection_id, with_for_update=True)
                if row is not None:
                    row.last_error = f"Writing bookings: {exc}"[:500]
                    session.add(row)
            raise RetryLater(str(exc)) from None
    with write_session() as session:
        row = session.get(CalendarConnection, connection_id, with_for_update=True)
        if row is not None:
            row.written_through = pass_started - WRITE_OVERLAP
            if row.last_error.startswith("Writing bookings:"):
                row.last_error = ""
            session.add(row)
    return len(todo)


def _record_write(connection_id: int, booking: Booking, present: bool, now: datetime) -> None:
    with write_session() as session:
        row = session.exec(select(CalendarWrite).where(CalendarWrite.connection_id == connection_id,
                                                       CalendarWrite.booking_id == booking.id)).first()
        row = row or CalendarWrite(connection_id=connection_id, booking_id=booking.id, sequence=0, present=False)
        row.sequence, row.present, row.updated_at = booking.calendar_sequence, present, now
        session.add(row)
