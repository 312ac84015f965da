"""What a builder does with their calendar connections (the calendars page and the CLI):
list, add an iCalendar address or a CalDAV account, sync now, remove. Every function takes
the acting user and touches only that builder's connections; another builder's connection
is "not found", like an unknown one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app import messages
from booking_app.calendars import caldav_account, crypto, sync
from booking_app.calendars.fetch import CalendarError, check_url, display_url
from booking_app.db import read_session, write_session
from booking_app.errors import InvalidInput, NotFound
from booking_app.formatting import format_moment
from booking_app.jobs import runner
from booking_app.models import Builder, CalendarConnection, CalendarKind
from booking_app.scheduling.service import builder_of
from booking_app.text import refuse_control_characters

MAX_CONNECTIONS = 10
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class ConnectionView:
    id: int
    kind: str  # ics | caldav
    name: str
    display_url: str  # scheme and host only
    username: str
    writes_bookings: bool
    last_synced: str  # "" = never; in the builder's zone
    last_error: str
    paused: bool
    event_count: int


def list_connections(actor_user_id: int | None) -> list[ConnectionView]:
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        rows = session.exec(select(CalendarConnection).where(CalendarConnection.builder_id == builder.id)
                            .order_by(CalendarConnection.id)).all()
        return [_view(row, builder.timezone) for row in rows]


def add_ics(actor_user_id: int | None, *, name: str, url: str, now: datetime) -> ConnectionView:
    """Connect an iCalendar address (Google's "secret address in iCal format", Apple's public
    calendar link, Outlook's published ICS); its first sync starts at once."""
    clean_name = _name(name, "Calendar")
    try:
        clean_url = check_url(url)
    except CalendarError as exc:
        raise InvalidInput("url", str(exc)) from None
    return _add(actor_user_id, CalendarConnection(
        kind=CalendarKind.ICS, name=clean_name, display_url=display_url(clean_url),
        secret=crypto.seal({"url": clean_url})), now)


def add_caldav(actor_user_id: int | None, *, name: str, url: str, username: str, password: str,
               write_to: str = "", read_from: str = "", now: datetime) -> ConnectionView:
    """Connect a CalDAV account. The account is tried at once (wrong password, no calendars:
    said now, nothing stored). ``write_to``: the name of the calendar to write bookings into
    ("" = do not write); ``read_from``: names of the calendars whose events block times,
    comma-separated ("" = all but the one written to)."""
    clean_name = _name(name, "CalDAV")
    username = refuse_control_characters(username.strip(), "username")[:200]
    refuse_control_characters(password, "password")
    try:
        clean_url = check_url(url)
        with caldav_account.account(clean_url, username, password) as client:
            found = caldav_account.calendars(client)
    except CalendarError as exc:
        raise InvalidInput("url", str(exc)) from None
    if not found:
        raise InvalidInput("url", messages.CALDAV_NO_CALENDARS)
    write_calendar = _calendar_named(found, write_to, "write_to").url if write_to.strip() else None
    read_calendars = [_calendar_named(found, wanted, "read_from").url
                      for wanted in dict.fromkeys(part.strip() for part in read_from.split(",") if part.strip())]
    return _add(actor_user_id, CalendarConnection(
        kind=CalendarKind.CALDAV, name=clean_name, display_url=display_url(clean_url), username=username,
        secret=crypto.seal({"url": clean_url, "password": password}), write_calendar=write_calendar,
        read_calendars=read_calendars), now)


def _calendar_named(found: list[caldav_account.RemoteCalendar], wanted: str, field: str
                    ) -> caldav_account.RemoteCalendar:
    match = next((c for c in found if c.name.casefold() == wanted.strip().casefold()), None)
    if match is None:
        names = ", ".join(f"“{c.name}”" for c in found)
        raise InvalidInput(field, messages.CALDAV_NO_SUCH_CALENDAR.format(name=wanted.strip(), names=names))
    return match


def _add(actor_user_id: int | None, connection: CalendarConnection, now: datetime) -> ConnectionView:
    with write_session() as session:
        builder = builder_of(session, actor_user_id)
        count = session.exec(select(sa.func.count()).select_from(CalendarConnection)
                             .where(CalendarConnection.builder_id == builder.id)).one()
        if count >= MAX_CONNECTIONS:
            raise InvalidInput("url", messages.CALENDARS_TOO_MANY)
        connection.builder_id, connection.created_at = builder.id, now
        session.add(connection)
        session.flush()
        sync.promise_sync(session, connection, now=now, manual=True)
        view = _view(connection, builder.timezone)
    runner.notify()
    return view


def sync_now(actor_user_id: int | None, connection_id: int, *, now: datetime) -> None:
    """Sync at once; a paused connection starts again."""
    with write_session() as session:
        connection = _own(session, actor_user_id, connection_id)
        connection.paused, connection.failures = False, 0
        session.add(connection)
        sync.promise_sync(session, connection, now=now, manual=True)
    runner.notify()


def remove(actor_user_id: int | None, connection_id: int) -> None:
    """Forget the connection and its busy time (events it wrote stay in that calendar)."""
    with write_session() as session:
        session.delete(_own(session, actor_user_id, connection_id))


def sync_builder(slug: str | None, *, now: datetime) -> int:
    """The CLI's "sync now": every connection (of one builder), right here; returns how many."""
    with read_session() as session:
        query = select(CalendarConnection.id)
        if slug:
            builder = session.exec(select(Builder).where(Builder.slug == slug)).first()
            if builder is None:
                raise NotFound(messages.BUILDER_NOT_FOUND)
            query = query.where(CalendarConnection.builder_id == builder.id)
        ids = list(session.exec(query))
    for connection_id in ids:
        sync.sync_connection(connection_id, now=now)
        sync.write_bookings(connection_id, now=now)
    return len(ids)


def _own(session: Session, actor_user_id: int | None, connection_id: int) -> CalendarConnection:
    builder = builder_of(session, actor_user_id)
    connection = session.get(CalendarConnection, connection_id, with_for_update=True)
    if connection is None or connection.builder_id != builder.id:
        raise NotFound(messages.CALENDAR_NOT_FOUND)
    return connection


def _name(name: str, default: str) -> str:
    clean = " ".join(refuse_control_characters(name or "", "name").split()) or default
    if len(clean) > MAX_NAME_LENGTH:
        raise InvalidInput("name", messages.CALENDAR_NAME_TOO_LONG)
    return clean


def _view(row: CalendarConnection, timezone: str) -> ConnectionView:
    return ConnectionView(row.id, str(row.kind), row.name, row.display_url, row.username, bool(row.write_calendar),
                          format_moment(row.last_synced_at, timezone) if row.last_synced_at else "", row.last_error,
                          row.paused, row.event_count)
