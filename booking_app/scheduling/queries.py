"""Reads of the scheduling service: session types, builders and available slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from booking_app import messages
from booking_app.errors import InvalidInput, NotFound
from booking_app.models import Builder, SessionType
from booking_app.scheduling.availability import OfferedSlot, offered_slots
from booking_app.scheduling.slots import load_timezone
from booking_app.timezones import validate_timezone

MAX_RANGE_DAYS = 93
# Dates and times further than this from now are refused before any arithmetic, which would
# otherwise overflow near datetime's limits (years 1 and 9999).
SANE_DISTANCE = timedelta(days=3660)


def list_session_types(session: Session, builder_slug: str) -> tuple[Builder, list[SessionType]]:
    """The builder with this slug and their active session types in display order."""
    builder = session.exec(select(Builder).where(Builder.slug == builder_slug.strip().lower())).first()
    if builder is None:
        raise NotFound(messages.BUILDER_NOT_FOUND)
    kinds = session.exec(
        select(SessionType)
        .where(SessionType.builder_id == builder.id, SessionType.is_active)
        .order_by(SessionType.display_order, SessionType.id)
    ).all()
    return builder, list(kinds)


def list_bookable_builders(session: Session, *, featured_slug: str | None = None) -> list[Builder]:
    """Builders with at least one active session type: ``featured_slug`` first, then by name."""
    offering = select(SessionType.builder_id).where(SessionType.is_active)
    builders = session.exec(select(Builder).where(col(Builder.id).in_(offering)).order_by(Builder.display_name)).all()
    return sorted(builders, key=lambda builder: builder.slug != featured_slug)  # stable: names stay sorted


def get_session_type(session: Session, session_type_id: int) -> tuple[SessionType, Builder]:
    """An active session type and its builder; ``NotFound`` otherwise."""
    row = session.exec(
        select(SessionType, Builder)
        .join(Builder, col(Builder.id) == SessionType.builder_id)
        .where(SessionType.id == session_type_id, SessionType.is_active)
    ).first()
    if row is None:
        raise NotFound(messages.SESSION_TYPE_NOT_FOUND)
    return row[0], row[1]


@dataclass(frozen=True)
class SlotListing:
    session_type: SessionType
    builder: Builder
    timezone: str  # the customer's zone the dates were read in
    slots: list[OfferedSlot]


def available_slots(
    session: Session, *, session_type_id: int, first_day: date, last_day: date, timezone: str, now: datetime
) -> SlotListing:
    """Slots between two customer-local dates (both included, at most 93 days)."""
    zone = load_timezone(validate_timezone(timezone))
    for field, day in (("start", first_day), ("end", last_day)):
        if abs(day - now.date()) > SANE_DISTANCE:
            raise InvalidInput(field, messages.DATE_OUT_OF_RANGE)
    if last_day < first_day:
        raise InvalidInput("end", messages.RANGE_BACKWARDS)
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput("end", messages.RANGE_TOO_LONG)
    session_type, builder = get_session_type(session, session_type_id)
    start = datetime.combine(first_day, time(0), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    slots = offered_slots(session, session_type, builder, start=start, end=end, now=now)
    return SlotListing(session_type, builder, zone.key, slots)
