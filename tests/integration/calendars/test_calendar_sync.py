"""Calendar sync on both databases (issue 15): events of a builder's own calendars — an
iCalendar address served over HTTP and a CalDAV account on a real Radicale server — remove
times from the slots API and refuse bookings into them (recurrences with exceptions and moved
instances, all-day, free and cancelled events handled); unchanged feeds answer 304; broken
feeds are errors on the connection, not crashes, and keep the last good busy time; bookings
are written into a CalDAV calendar, moved and removed with them; the private feed of a
builder's bookings with ETags and rotation; credentials encrypted; each builder's own."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from booking_app.calendar_ics import event_uid
from booking_app.calendars import connections, feed, sync
from booking_app.errors import Forbidden, InvalidInput, NotFound
from booking_app.models import BusyTime, CalendarConnection
from tests.factories import make_builder
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import paid_booking
from tests.support.calendar_servers import PASSWORD, USER, IcsFeed, Radicale

LONDON = ZoneInfo("Europe/London")


def local(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).strftime("%Y%m%dT%H%M%S")


def vevent(uid: str, start: str, end: str, *extra: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T000000Z",
                        f"DTSTART;TZID=Europe/London:{start}", f"DTEND;TZID=Europe/London:{end}", *extra,
                        "END:VEVENT"])


def vcalendar(*events: str) -> bytes:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events, "END:VCALENDAR", ""]).encode()


def week_of_events(monday: date) -> bytes:
    """Monday 10–11; Tuesdays 14–15 weekly, the next week's skipped (EXDATE) and the one after
    moved to 16:00 (RECURRENCE-ID); Wednesday all day; Thursday 10–11 free (TRANSPARENT);
    Friday 10–11 cancelled."""
    tuesday = monday + timedelta(days=1)
    return vcalendar(
        vevent("single", local(monday, 10), local(monday, 11)),
        vevent("weekly", local(tuesday, 14), local(tuesday, 15), "RRULE:FREQ=WEEKLY;COUNT=4",
               f"EXDATE;TZID=Europe/London:{local(tuesday + timedelta(days=7), 14)}"),
        vevent("weekly", local(tuesday + timedelta(days=14), 16), local(tuesday + timedelta(days=14), 17),
               f"RECURRENCE-ID;TZID=Europe/London:{local(tuesday + timedelta(days=14), 14)}"),
        "\r\n".join(["BEGIN:VEVENT", "UID:allday", "DTSTAMP:20261201T000000Z",
                     f"DTSTART;VALUE=DATE:{(monday + timedelta(days=2)):%Y%m%d}",
                     f"DTEND;VALUE=DATE:{(monday + timedelta(days=3)):%Y%m%d}", "END:VEVENT"]),
        vevent("free", local(monday + timedelta(days=3), 10), local(monday + timedelta(days=3), 11),
               "TRANSP:TRANSPARENT"),
        vevent("cancelled", local(monday + timedelta(days=4), 10), local(monday + timedelta(days=4), 11),
               "STATUS:CANCELLED"),
    )


def times(shop: Shop, day: date) -> list[str]:
    """The free intro call's offered local times on ``day`` (every 15 minutes, no buffers)."""
    response = shop.client.get(f"/api/session-types/{shop.offer.free.id}/slots",
                               params={"start": day.isoformat(), "end": day.isoformat(), "timezone": "Europe/London"})
    assert response.status_code == 200, response.text
    return [slot["local_time"] for slot in response.json()["slots"]]


def connection_row(shop: Shop, connection_id: int) -> CalendarConnection:
    with Session(shop.engine) as session:
        return session.get(CalendarConnection, connection_id)


def add_feed(shop: Shop, ics_feed: IcsFeed) -> int:
    view = connections.add_ics(shop.offer.builder.user_id, name="Work", url=ics_feed.url, now=datetime.now(UTC))
    shop.run_jobs()  # the first sync was promised with the connection
    return view.id


# --- an iCalendar address ------------------------------------------------------------------------


def test_a_feeds_events_remove_times_and_refuse_bookings(shop: Shop, ics_feed: IcsFeed) -> None:
    monday = shop.day
    ics_feed.body = week_of_events(monday)
    connection_id = add_feed(shop, ics_feed)
    row = connection_row(shop, connection_id)
    assert (row.last_error, row.failures, row.event_count) == ("", 0, 5)  # 1 + 3 Tuesdays (of 4, 1 skipped) + all day
    offered = times(shop, monday)
    assert {"10:00", "10:15", "10:30", "10:45"}.isdisjoint(offered) and {"09:45", "11:00"} <= set(offered)
    tuesday = monday + timedelta(days=1)
    assert "14:00" not in times(shop, tuesday)
    assert "14:00" in times(shop, tuesday + timedelta(days=7))  # the skipped occurrence
    moved = times(shop, tuesday + timedelta(days=14))
    assert "14:00" in moved and "16:00" not in moved  # the moved one
    assert times(shop, monday + timedelta(days=2)) == []  # all day
    assert "10:00" in times(shop, monday + timedelta(days=3))  # free time
    assert "10:00" in times(shop, monday + timedelta(days=4))  # cancelled
    taken = shop.client.post("/api/bookings", json=dict(
        session_type_id=shop.offer.paid.id, start=at(monday, 10), name="Grace Hopper", email="grace@example.com",
        timezone="Europe/London"))
    assert taken.status_code in (409, 422)  # not offered any more; never booked
    assert shop.client.post("/api/bookings", json=dict(
        session_type_id=shop.offer.paid.id, start=at(monday, 12), name="Grace Hopper", email="grace@example.com",
        timezone="Europe/London")).status_code == 201


def test_a_hold_racing_a_sync_is_refused_by_the_write_guard(shop: Shop, ics_feed: IcsFeed) -> None:
    """Busy time that arrives between the slot check and the insert is caught under the lock."""
    from booking_app.db import write_session
    from booking_app.scheduling.guards import time_is_taken

    ics_feed.body = vcalendar(vevent("single", local(shop.day, 10), local(shop.day, 11)))
    add_feed(shop, ics_feed)
    start = datetime.fromisoformat(at(shop.day, 10)).astimezone(UTC)
    with write_session(shop.engine) as session:
        assert time_is_taken(session, shop.offer.builder.id, start, start + timedelta(minutes=15), "x", datetime.now(UTC))
        assert not time_is_taken(session, shop.offer.builder.id, start + timedelta(hours=1),
                                 start + timedelta(hours=2), "x", datetime.now(UTC))


def test_an_unchanged_feed_answers_304_and_changes_arrive_with_the_next_sync(shop: Shop, ics_feed: IcsFeed) -> None:
    ics_feed.body = vcalendar(vevent("single", local(shop.day, 10), local(shop.day, 11)))
    connection_id = add_feed(shop, ics_feed)
    sync.sync_connection(connection_id, now=datetime.now(UTC))
    assert ics_feed.answers == [200, 304]
    assert "10:00" not in times(shop, shop.day)  # still busy: a 304 keeps what was read
    ics_feed.body = vcalendar(vevent("single", local(shop.day, 13), local(shop.day, 14)))
    sync.sync_connection(connection_id, now=datetime.now(UTC))
    offered = times(shop, shop.day)
    assert "10:00" in offered and "13:00" not in offered


@pytest.mark.parametrize(("status", "body", "error"), [
    (500, b"", "answered 500"),
    (302, b"", "redirects elsewhere"),
    (200, b"this is not a calendar", "could not be read as iCalendar"),
    (200, b"BEGIN:VCALENDAR\r\n" + b"X" * (6 * 1024 * 1024), "larger than 5 MB"),
])
def test_a_broken_feed_is_an_error_on_the_connection_and_keeps_the_last_busy_time(
        shop: Shop, ics_feed: IcsFeed, status: int, body: bytes, error: str) -> None:
    ics_feed.body = vcalendar(vevent("single", local(shop.day, 10), local(shop.day, 11)))
    connection_id = add_feed(shop, ics_feed)
    ics_feed.status, ics_feed.body = status, body
    sync.sync_connection(connection_id, now=datetime.now(UTC))
    row = connection_row(shop, connection_id)
    assert error in row.last_error and row.failures == 1 and not row.paused
    assert "10:00" not in times(shop, shop.day)  # slots keep working from the last good sync
    for _ in range(4):  # CALENDAR_MAX_FAILURES (5) in a row: paused, shown as such
        sync.sync_connection(connection_id, now=datetime.now(UTC))
    row = connection_row(shop, connection_id)
    assert row.paused and row.failures == 5
    [view] = connections.list_connections(shop.offer.builder.user_id)
    assert view.paused and error in view.last_error
    ics_feed.status, ics_feed.body = 200, vcalendar()
    connections.sync_now(shop.offer.builder.user_id, connection_id, now=datetime.now(UTC))  # the builder resumes it
    shop.run_jobs()
    row = connection_row(shop, connection_id)
    assert (row.paused, row.failures, row.last_error) == (False, 0, "")
    assert "10:00" in times(shop, shop.day)


def test_private_addresses_are_refused_unless_allowed(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from booking_app.settings import get_settings

    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_HOSTS", "false")
    get_settings.cache_clear()
    for url in ("http://127.0.0.1:9/x.ics", "http://localhost/x.ics", "http://10.0.0.8/x.ics",
                "http://[::1]/x.ics", "http://169.254.169.254/latest", "file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(InvalidInput) as refused:
            connections.add_ics(shop.offer.builder.user_id, name="x", url=url, now=datetime.now(UTC))
        assert refused.value.field == "url"
    assert connections.list_connections(shop.offer.builder.user_id) == []


def test_credentials_are_stored_encrypted_and_never_shown(shop: Shop, ics_feed: IcsFeed) -> None:
    ics_feed.body = vcalendar()
    secret_url = ics_feed.url + "?token=private-abc123"
    view = connections.add_ics(shop.offer.builder.user_id, name="Work", url=secret_url, now=datetime.now(UTC))
    row = connection_row(shop, view.id)
    assert "private-abc123" not in row.secret and "private-abc123" not in row.display_url
    assert view.display_url == ics_feed.url.rsplit("/", 1)[0].replace("/calendar.ics", "")


def test_connections_are_their_builders_own(shop: Shop, ics_feed: IcsFeed) -> None:
    ics_feed.body = vcalendar()
    connection_id = add_feed(shop, ics_feed)
    with Session(shop.engine, expire_on_commit=False) as session:
        intruder = make_builder(session, slug="mallory")
        session.commit()
    with pytest.raises(NotFound):
        connections.remove(intruder.user_id, connection_id)
    with pytest.raises(NotFound):
        connections.sync_now(intruder.user_id, connection_id, now=datetime.now(UTC))
    assert connections.list_connections(intruder.user_id) == []
    with pytest.raises(Forbidden):
        connections.list_connections(None)
    with pytest.raises(Forbidden):
        connections.remove(None, connection_id)
    assert connection_row(shop, connection_id) is not None
    connections.remove(shop.offer.builder.user_id, connection_id)
    with Session(shop.engine) as session:
        assert session.exec(select(BusyTime)).first() is None


# --- a CalDAV account (Radicale) -----------------------------------------------------------------


def caldav_account(radicale: Radicale) -> tuple[caldav.DAVClient, str]:
    """A fresh pair of calendars for this test: "Work <id>" (events) and "Bookings <id>"."""
    client = caldav.DAVClient(url=radicale.url, username=USER, password=PASSWORD)
    suffix = uuid.uuid4().hex[:8]
    principal = client.principal()
    principal.make_calendar(name=f"Work {suffix}")
    principal.make_calendar(name=f"Bookings {suffix}")
    return client, suffix


def calendar_named(client: caldav.DAVClient, name: str):
    return next(c for c in client.principal().calendars() if c.get_display_name() == name)


def test_a_caldav_account_blocks_times_and_gets_the_bookings_written(shop: Shop, radicale: Radicale) -> None:
    client, suffix = caldav_account(radicale)
    work = calendar_named(client, f"Work {suffix}")
    work.save_event(vcalendar(vevent("dentist", local(shop.day, 15), local(shop.day, 16))).decode())
    view = connections.add_caldav(shop.offer.builder.user_id, name="Radicale", url=radicale.url, username=USER,
                                  password=PASSWORD, write_to=f"bookings {suffix}", read_from=f"Work {suffix}",
                                  now=datetime.now(UTC))
    shop.run_jobs()
    row = connection_row(shop, view.id)
    assert row.last_error == "" and view.writes_bookings
    assert "15:00" not in times(shop, shop.day) and "14:45" in times(shop, shop.day)
    assert PASSWORD not in row.secret

    booking = paid_booking(shop, 10)
    bookings = calendar_named(client, f"Bookings {suffix}")
    assert sync.write_bookings(view.id, now=datetime.now(UTC)) == 1
    event = Calendar.from_ical(bookings.event_by_uid(event_uid(booking["token"])).data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.fromisoformat(booking["start"])
    assert "Grace Hopper" in str(event["summary"])
    first_sequence = event["sequence"]
    assert first_sequence == shop.rows(booking["token"])[0].calendar_sequence
    assert sync.write_bookings(view.id, now=datetime.now(UTC)) == 0  # nothing changed: nothing written

    moved = shop.client.post(f"/api/bookings/{booking['token']}/reschedule", json={"start": at(shop.day, 12)})
    assert moved.status_code == 200, moved.text
    sync.write_bookings(view.id, now=datetime.now(UTC))
    event = Calendar.from_ical(bookings.event_by_uid(event_uid(booking["token"])).data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.fromisoformat(at(shop.day, 12))
    assert event["sequence"] == first_sequence + 1

    assert shop.client.post(f"/api/bookings/{booking['token']}/cancel").status_code == 200
    sync.write_bookings(view.id, now=datetime.now(UTC))
    with pytest.raises(caldav.lib.error.NotFoundError):
        bookings.event_by_uid(event_uid(booking["token"]))


def test_a_wrong_caldav_password_is_said_at_once_and_nothing_is_stored(shop: Shop, radicale: Radicale) -> None:
    with pytest.raises(InvalidInput) as refused:
        connections.add_caldav(shop.offer.builder.user_id, name="Radicale", url=radicale.url, username=USER,
                               password="wrong", now=datetime.now(UTC))
    assert "refused the user name or password" in refused.value.message
    client, suffix = caldav_account(radicale)
    with pytest.raises(InvalidInput) as no_such:
        connections.add_caldav(shop.offer.builder.user_id, name="Radicale", url=radicale.url, username=USER,
                               password=PASSWORD, write_to="Holidays", now=datetime.now(UTC))
    assert no_such.value.field == "write_to" and f"Work {suffix}" in no_such.value.message
    assert connections.list_connections(shop.offer.builder.user_id) == []


# --- the private feed of a builder's bookings ---------------------------------------------------


def test_the_private_feed_lists_confirmed_bookings_with_etag_and_rotation_kills_the_old_address(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    shop.book(12, email="unpaid@example.com")  # a hold: not in the feed
    address = feed.feed_address(shop.offer.builder.user_id)
    assert address == feed.feed_address(shop.offer.builder.user_id)  # stable until rotated
    path = "/api/" + address.split("/api/", 1)[1]
    response = shop.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [event_uid(booking["token"])]
    assert "Grace Hopper" in str(events[0]["summary"])
    again = shop.client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    rotated = feed.rotate_feed(shop.offer.builder.user_id)
    assert rotated != address
    assert shop.client.get(path).status_code == 404
    assert shop.client.get("/api/" + rotated.split("/api/", 1)[1]).status_code == 200
