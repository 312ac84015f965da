"""A builder's bookings, page by page, for the builder API: filtered by status and start,
oldest start first, with an opaque cursor (the last row's start and id), so pages stay
stable while bookings are added. Views come from ``view.build`` (the one read model)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from booking_app import messages
from booking_app.bookings import view
from booking_app.bookings.queries import BookingDetails
from booking_app.db import read_session
from booking_app.errors import InvalidInput
from booking_app.models import Booking, BookingStatus, SessionType
from booking_app.scheduling.service import builder_of

STATUSES = ("pending_payment", "confirmed", "expired", "cancelled")
MAX_PAGE = 100


@dataclass(frozen=True)
class BookingPage:
    bookings: list[view.BookingView]
    next_cursor: str | None


def encode_cursor(start: datetime, booking_id: int) -> str:
    return base64.urlsafe_b64encode(f"{start.isoformat()}|{booking_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        start, booking_id = text.split("|")
        moment = datetime.fromisoformat(start)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(booking_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", messages.API_CURSOR_INVALID) from None


def _status_filter(status: str, now: datetime) -> sa.ColumnElement[bool]:
    """As ``BookingView`` reads it: a hold past its expiry is expired, swept or not."""
    if status == "pending_payment":
        return (Booking.status == BookingStatus.PENDING_PAYMENT) & (Booking.hold_expires_at > now)
    if status == "expired":
        return (Booking.status == BookingStatus.EXPIRED) | (
            (Booking.status == BookingStatus.PENDING_PAYMENT) & (Booking.hold_expires_at <= now))
    return Booking.status == BookingStatus(status)


def list_for_builder(*, actor_user_id: int | None, now: datetime, status: str | None = None,
                     start_from: datetime | None = None, start_to: datetime | None = None,
                     cursor: str | None = None, limit: int = 50) -> BookingPage:
    """The acting builder's bookings starting in ``[start_from, start_to)`` (either open),
    of one status if given; ``Forbidden`` for anyone but a builder."""
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", messages.API_BOOKING_STATUS)
    for name, moment in (("from", start_from), ("to", start_to)):
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            raise InvalidInput(name, messages.START_NEEDS_OFFSET)
    if start_from is not None and start_to is not None and start_to <= start_from:
        raise InvalidInput("to", messages.API_RANGE_BACKWARDS)
    limit = max(1, min(limit, MAX_PAGE))
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        query = (select(Booking, SessionType).join(SessionType, col(SessionType.id) == Booking.session_type_id)
                 .where(Booking.builder_id == builder.id))
        if status is not None:
            query = query.where(_status_filter(status, now))
        if start_from is not None:
            query = query.where(Booking.start_at >= start_from)
        if start_to is not None:
            query = query.where(Booking.start_at < start_to)
        if cursor:
            after_start, after_id = decode_cursor(cursor)
            query = query.where(sa.or_(Booking.start_at > after_start,
                                       sa.and_(Booking.start_at == after_start, col(Booking.id) > after_id)))
        rows = session.exec(query.order_by(Booking.start_at, Booking.id).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        views = view.build(session, [BookingDetails(b, k, builder) for b, k in rows], now=now)
    last = rows[-1][0] if rows and more else None
    return BookingPage(views, encode_cursor(last.start_at, last.id) if last is not None else None)
