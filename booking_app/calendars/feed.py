"""The private feed of a builder's bookings: a secret address serving an iCalendar file of
their confirmed bookings, to subscribe to from any calendar app. Rotating the address makes
the old one answer 404 at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings import queries
from booking_app.calendar_ics import builder_calendar, builder_event
from booking_app.db import read_session, write_session
from booking_app.errors import NotFound
from booking_app.models import Builder, BookingStatus, CalendarFeed
from booking_app.scheduling.service import builder_of
from booking_app.settings import get_settings
from booking_app.tokens import new_booking_token

# Past bookings stay in the feed for a while, so the calendar keeps recent history.
KEEP_PAST = timedelta(days=90)


@dataclass(frozen=True)
class FeedFile:
    body: bytes
    etag: str  # quoted, as HTTP sends it
    last_modified: str  # HTTP date of the newest change


def feed_url(token: str) -> str:
    return f"{get_settings().app_url}/api/calendar-feeds/{token}.ics"


def feed_address(actor_user_id: int | None) -> str:
    """The acting builder's feed address, made the first time it is asked for."""
    with write_session() as session:
        builder = builder_of(session, actor_user_id)
        return feed_url(_token(session, builder.id))


def feed_address_of(slug: str) -> str:
    """The CLI's way in: the feed address of the builder with this slug."""
    with write_session() as session:
        builder = session.exec(select(Builder).where(Builder.slug == slug)).first()
        if builder is None:
            raise NotFound(messages.BUILDER_NOT_FOUND)
        return feed_url(_token(session, builder.id))


def rotate_feed(actor_user_id: int | None) -> str:
    """A new secret address for the acting builder's feed; the old one stops working."""
    with write_session() as session:
        builder = builder_of(session, actor_user_id)
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.builder_id == builder.id)).first()
        if feed is None:
            return feed_url(_token(session, builder.id))
        feed.token = new_booking_token()
        session.add(feed)
        return feed_url(feed.token)


def _token(session: Session, builder_id: int) -> str:
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.builder_id == builder_id)).first()
    if feed is None:
        feed = CalendarFeed(builder_id=builder_id, token=new_booking_token())
        session.add(feed)
        session.flush()
    return feed.token


def feed_file(token: str, *, now: datetime) -> FeedFile:
    """The feed behind a secret address; ``NotFound`` for any other (a rotated one too)."""
    with read_session() as session:
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.token == token)).first() if token else None
        if feed is None:
            raise NotFound(messages.FEED_NOT_FOUND)
        builder = session.get(Builder, feed.builder_id)
        found = [details for details in queries.of_builder(session, feed.builder_id, ending_after=now - KEEP_PAST)
                 if details.booking.status == BookingStatus.CONFIRMED]
    # DTSTAMP is the booking's last change, not now: the same bookings give the same bytes,
    # so the ETag only changes when the feed does.
    events = [builder_event(details, now=details.booking.updated_at) for details in found]
    body = builder_calendar(events, name=f"Makerhours — {builder.display_name}")
    newest = max((details.booking.updated_at for details in found), default=feed.created_at)
    return FeedFile(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', format_datetime(newest, usegmt=True))
