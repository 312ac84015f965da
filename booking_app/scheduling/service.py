"""The scheduling service: session types, availability, holds and booking transitions.

This is the only code that writes bookings. Reads take a ``Session``; ``create_hold`` runs its
own write transaction because its check-then-insert must be atomic:

* PostgreSQL: the ``booking_no_overlap`` exclusion constraint and the seat index refuse a
  second booking of the same time even when two transactions check at the same moment.
* SQLite: ``db.write_session`` begins with ``BEGIN IMMEDIATE``, so the check and the insert
  run while holding the database's single write lock.

Every status change is a compare-and-swap on the current status (``_transition``), so a
repeated or concurrent call changes nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from booking_app import messages
from booking_app.accounts.service import normalise_email, validate_timezone
from booking_app.db import get_engine, read_session, write_session
from booking_app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from booking_app.models import Booking, BookingStatus, Builder, CancelledBy, SessionType
from booking_app.scheduling.availability import (
    OfferedSlot,
    booking_occupancy_key,
    group_occupancy_key,
    occupies_time,
    offered_slots,
    slot_at,
)
from booking_app.scheduling.slots import load_timezone
from booking_app.settings import get_settings
from booking_app.tokens import new_booking_token

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 93
# Dates and times further than this from now are refused before any arithmetic, which would
# otherwise overflow near datetime's limits (years 1 and 9999).
SANE_DISTANCE = timedelta(days=3660)
MAX_NAME_LENGTH = 200
MAX_NOTES_LENGTH = 5000
_OVERLAP_GUARDS = ("booking_no_overlap", "uq_booking_active_seat")
_RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
_BUILDER_LOCK_SPACE = 1  # pg_advisory_xact_lock(int, int) key space for per-builder hold locks


# ----------------------------------------------------------------------------- reads


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


@dataclass(frozen=True)
class BookingDetails:
    booking: Booking
    session_type: SessionType
    builder: Builder


def get_booking_by_token(session: Session, token: str) -> BookingDetails:
    """The booking behind a private link. The lookup is the same indexed query for any token,
    well-formed or not, so response times do not hint at which tokens exist."""
    row = session.exec(
        select(Booking, SessionType, Builder)
        .join(SessionType, col(SessionType.id) == Booking.session_type_id)
        .join(Builder, col(Builder.id) == Booking.builder_id)
        .where(Booking.public_token == token[:64])
    ).first()
    if row is None:
        raise NotFound(messages.BOOKING_NOT_FOUND)
    return BookingDetails(*row)


# ----------------------------------------------------------------------------- holds


@dataclass(frozen=True)
class HoldRequest:
    session_type_id: int
    start: datetime
    name: str
    email: str
    timezone: str
    notes: str = ""
    client_address: str | None = None


@dataclass(frozen=True)
class _CleanHold:
    session_type_id: int
    start: datetime
    name: str
    email: str
    timezone: str
    notes: str
    client_address: str | None


def _clean(request: HoldRequest, now: datetime) -> _CleanHold:
    name = " ".join(request.name.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", messages.NAME_REQUIRED)
    email = normalise_email(request.email)
    notes = request.notes.strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise InvalidInput("notes", messages.NOTES_TOO_LONG)
    timezone = validate_timezone(request.timezone)
    if request.start.tzinfo is None or request.start.utcoffset() is None:
        raise InvalidInput("start", messages.START_NEEDS_OFFSET)
    if abs(request.start.date() - now.date()) > SANE_DISTANCE:
        raise InvalidInput("start", messages.DATE_OUT_OF_RANGE)
    start = request.start.astimezone(UTC)
    client = request.client_address[:64] if request.client_address else None
    return _CleanHold(request.session_type_id, start, name, email, timezone, notes, client)


def create_hold(request: HoldRequest, *, now: datetime, engine: Engine | None = None) -> Booking:
    """Reserve a slot: a ``pending_payment`` hold for paid sessions, a ``confirmed`` booking
    for free ones. Amount, currency and refund policy are frozen from the session type.

    Raises ``InvalidInput`` (field named), ``NotFound``, ``Conflict`` (slot taken) or
    ``TooManyRequests`` (hold limit); on any error nothing is written.
    """
    clean = _clean(request, now)
    engine = engine or get_engine()
    # The slow checks run before taking the write lock, so that the critical section (and
    # the queue of requests waiting for it) stays short. The lock-held part re-checks what
    # others can change meanwhile: the builder's bookings.
    with read_session(engine) as session:
        session_type, builder = get_session_type(session, clean.session_type_id)
        _check_timing(session_type, clean.start, now)
        if slot_at(session, session_type, builder, clean.start, now, include_busy=False) is None:
            raise InvalidInput("start", messages.NOT_A_SLOT)
        if slot_at(session, session_type, builder, clean.start, now, include_busy=True) is None:
            raise Conflict(messages.SLOT_TAKEN)  # already taken: answer without queueing
    # Retry what a second attempt can resolve: a lost seat race (another seat may be free) or
    # a PostgreSQL deadlock/serialization failure (the retry sees the winner and says 409).
    for attempt in range(3):
        last = attempt == 2
        try:
            with write_session(engine) as session:
                return _insert_hold(session, clean, session_type, builder, now)
        except sa.exc.IntegrityError as exc:
            guard = _violated_guard(exc)
            if guard is None:
                raise
            if guard == "uq_booking_active_seat" and not last:
                continue
            raise Conflict(messages.SLOT_TAKEN) from None
        except sa.exc.OperationalError as exc:
            if _sqlstate(exc) not in _RETRYABLE_SQLSTATES:
                raise
            log.warning("hold for session type %s at %s: %s; retrying", session_type.id, clean.start, _sqlstate(exc))
            if last:
                raise Conflict(messages.SLOT_TAKEN) from None
    raise AssertionError("unreachable")  # the loop returns or raises


def _insert_hold(
    session: Session, clean: _CleanHold, session_type: SessionType, builder: Builder, now: datetime
) -> Booking:
    """Inside the write transaction: re-check the builder's time, enforce limits, insert."""
    if session.get_bind().dialect.name == "postgresql":
        _lock_for_hold(session, builder.id, clean)
    expire_stale_holds(session, now=now, builder_id=builder.id)
    if not session_type.is_free:
        _check_hold_limits(session, clean, now, get_settings().max_active_holds)
    start = clean.start
    end = start + timedelta(minutes=session_type.duration_minutes)
    blocked_start = start - timedelta(minutes=session_type.buffer_before_minutes)
    blocked_end = end + timedelta(minutes=session_type.buffer_after_minutes)
    token = new_booking_token()
    group = session_type.seats > 1
    key = group_occupancy_key(session_type.id, start) if group else booking_occupancy_key(token)
    if _time_is_taken(session, builder.id, blocked_start, blocked_end, key, now):
        raise Conflict(messages.SLOT_TAKEN)
    free = session_type.is_free
    booking = Booking(
        public_token=token,
        builder_id=builder.id,
        session_type_id=session_type.id,
        start_at=start,
        end_at=end,
        blocked_start=blocked_start,
        blocked_end=blocked_end,
        occupancy_key=key,
        seat=_free_seat(session, session_type, start) if group else 1,
        customer_name=clean.name,
        customer_email=clean.email,
        customer_notes=clean.notes,
        customer_timezone=clean.timezone,
        client_address=clean.client_address,
        status=BookingStatus.CONFIRMED if free else BookingStatus.PENDING_PAYMENT,
        amount=session_type.price_amount,
        currency=session_type.currency,
        refund_cutoff_hours=session_type.refund_cutoff_hours,
        hold_expires_at=None if free else now + timedelta(minutes=get_settings().hold_minutes),
        confirmed_at=now if free else None,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    log.info("booking %s created: %s at %s", booking.id, booking.status, booking.start_at.isoformat())
    return booking


def _time_is_taken(
    session: Session, builder_id: int, blocked_start: datetime, blocked_end: datetime, key: str, now: datetime
) -> bool:
    """Does an active booking of the builder block part of ``[blocked_start, blocked_end)``?
    Seats of the same group slot (same occupancy key) share their time."""
    clash = session.exec(
        select(Booking.id)
        .where(
            Booking.builder_id == builder_id,
            occupies_time(now),
            Booking.blocked_end > blocked_start,
            Booking.blocked_start < blocked_end,
            Booking.occupancy_key != key,
        )
        .limit(1)
    ).first()
    return clash is not None


def _check_timing(session_type: SessionType, start: datetime, now: datetime) -> None:
    if start <= now:
        raise InvalidInput("start", messages.START_IN_PAST)
    notice = timedelta(minutes=session_type.minimum_notice_minutes)
    if start < now + notice:
        raise InvalidInput("start", messages.START_TOO_SOON.format(notice=_human_duration(notice)))
    if start >= now + timedelta(days=session_type.horizon_days):
        raise InvalidInput("start", messages.START_TOO_FAR.format(days=session_type.horizon_days))


def _human_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minutes"


def _lock_for_hold(session: Session, builder_id: int, clean: _CleanHold) -> None:
    """PostgreSQL: serialise holds per builder, then per e-mail and per client address.

    Per builder: concurrent inserts checked by the exclusion constraint can deadlock each
    other (PostgreSQL's own caveat for exclusion constraints); one at a time, the check and
    insert never collide and the constraint stays the backstop. Per e-mail and client: the
    hold limit cannot be raced. SQLite's write transaction already serialises everything.
    Always builder first, then the sorted rest, so two holds can never wait on each other.
    """
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(_BUILDER_LOCK_SPACE, builder_id)))
    keys = sorted({f"hold-email:{clean.email}", *([f"hold-client:{clean.client_address}"] if clean.client_address else [])})
    for key in keys:
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def _sqlstate(exc: sa.exc.DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _check_hold_limits(session: Session, clean: _CleanHold, now: datetime, limit: int) -> None:
    unpaid = sa.and_(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now)
    owners = [Booking.customer_email == clean.email]
    if clean.client_address:
        owners.append(Booking.client_address == clean.client_address)
    for owner in owners:
        count = session.exec(select(sa.func.count()).select_from(Booking).where(unpaid, owner)).one()
        if count >= limit:
            raise TooManyRequests(messages.TOO_MANY_HOLDS.format(limit=limit))


def _free_seat(session: Session, session_type: SessionType, start: datetime) -> int:
    taken = set(
        session.exec(
            select(Booking.seat).where(
                Booking.occupancy_key == group_occupancy_key(session_type.id, start),
                Booking.status.in_(BookingStatus.active()),
            )
        )
    )
    for seat in range(1, session_type.seats + 1):
        if seat not in taken:
            return seat
    raise Conflict(messages.SLOT_TAKEN)


def _violated_guard(exc: sa.exc.IntegrityError) -> str | None:
    """Which double-booking guard refused the insert, if it was one of them."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    text = str(exc.orig)
    if name in _OVERLAP_GUARDS:
        return name
    if "booking.occupancy_key, booking.seat" in text:  # SQLite names columns, not the index
        return "uq_booking_active_seat"
    return None


# ----------------------------------------------------------------------------- transitions


def _transition(
    session: Session, booking_id: int, sources: tuple[BookingStatus, ...], target: BookingStatus, now: datetime, **values
) -> bool:
    """Move a booking from one of ``sources`` to ``target``; False if its status was neither
    (already moved by a concurrent or repeated call). The caller commits."""
    result = session.execute(
        sa.update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(sources))
        .values(status=target, updated_at=now, **values)
    )
    return result.rowcount == 1


def confirm_booking(session: Session, booking_id: int, *, now: datetime) -> bool:
    """A paid hold becomes a booking."""
    return _transition(
        session, booking_id, (BookingStatus.PENDING_PAYMENT,), BookingStatus.CONFIRMED, now, confirmed_at=now
    )


def expire_hold(session: Session, booking_id: int, *, now: datetime) -> bool:
    """An unpaid hold releases its time."""
    return _transition(session, booking_id, (BookingStatus.PENDING_PAYMENT,), BookingStatus.EXPIRED, now)


def cancel_booking(session: Session, booking_id: int, *, now: datetime, by: CancelledBy, reason: str = "") -> bool:
    """A hold or a booking is cancelled (refunds are the payments module's business)."""
    return _transition(
        session,
        booking_id,
        BookingStatus.active(),
        BookingStatus.CANCELLED,
        now,
        cancelled_at=now,
        cancelled_by=by,
        cancellation_reason=reason[:500] or None,
    )


def extend_hold(session: Session, booking_id: int, *, until: datetime, now: datetime) -> bool:
    """Push a live hold's expiry out to ``until`` (a new Checkout Session needs ≥ 30 min)."""
    result = session.execute(
        sa.update(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.PENDING_PAYMENT,
               Booking.hold_expires_at > now, Booking.hold_expires_at < until)
        .values(hold_expires_at=until, updated_at=now)
    )
    return result.rowcount == 1 or session.exec(
        select(Booking.id).where(Booking.id == booking_id, Booking.status == BookingStatus.PENDING_PAYMENT,
                                 Booking.hold_expires_at >= until)
    ).first() is not None


def reactivate_expired_booking(session: Session, booking: Booking, *, now: datetime) -> bool:
    """Late payment: an expired hold becomes a confirmed booking if its time is still free.

    Same guards as a new hold: the per-builder lock on PostgreSQL (the exclusion constraint
    backs it up), the write lock on SQLite. Returns False, changing nothing, if it is taken.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_BUILDER_LOCK_SPACE, booking.builder_id)))
    if _time_is_taken(session, booking.builder_id, booking.blocked_start, booking.blocked_end,
                      booking.occupancy_key, now):
        return False
    try:
        with session.begin_nested():
            return _transition(session, booking.id, (BookingStatus.EXPIRED,), BookingStatus.CONFIRMED, now,
                               confirmed_at=now)
    except sa.exc.IntegrityError as exc:
        if _violated_guard(exc) is None:
            raise
        return False


def cancel_expired_booking(session: Session, booking_id: int, *, now: datetime, reason: str) -> bool:
    """An expired hold whose late payment is being refunded is marked cancelled by the system."""
    return _transition(session, booking_id, (BookingStatus.EXPIRED,), BookingStatus.CANCELLED, now,
                       cancelled_at=now, cancelled_by=CancelledBy.SYSTEM, cancellation_reason=reason[:500])


def expire_stale_holds(session: Session, *, now: datetime, builder_id: int | None = None) -> list[int]:
    """Mark every hold past its expiry as expired; returns their ids. Idempotent."""
    statement = (
        sa.update(Booking)
        .where(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at <= now)
        .values(status=BookingStatus.EXPIRED, updated_at=now)
        .returning(Booking.id)
    )
    if builder_id is not None:
        statement = statement.where(Booking.builder_id == builder_id)
    return list(session.execute(statement).scalars())


# ----------------------------------------------------------------------------- builder-scoped


def builder_of(session: Session, actor_user_id: int | None) -> Builder:
    """The builder profile of the acting user; ``Forbidden`` for anyone else."""
    builder = None
    if actor_user_id is not None:
        builder = session.exec(select(Builder).where(Builder.user_id == actor_user_id)).first()
    if builder is None:
        raise Forbidden("Please sign in as a builder to do this.")
    return builder


def list_builder_bookings(
    session: Session, *, actor_user_id: int | None, statuses: tuple[BookingStatus, ...] | None = None
) -> list[Booking]:
    builder = builder_of(session, actor_user_id)
    query = select(Booking).where(Booking.builder_id == builder.id)
    if statuses:
        query = query.where(Booking.status.in_(statuses))
    return list(session.exec(query.order_by(Booking.start_at)))


def get_builder_booking(session: Session, *, actor_user_id: int | None, booking_id: int) -> Booking:
    builder = builder_of(session, actor_user_id)
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(messages.BOOKING_NOT_FOUND)
    if booking.builder_id != builder.id:
        raise Forbidden(messages.NOT_YOUR_BOOKING)
    return booking


def cancel_booking_as_builder(
    session: Session, *, actor_user_id: int | None, booking_id: int, now: datetime, reason: str = ""
) -> bool:
    booking = get_builder_booking(session, actor_user_id=actor_user_id, booking_id=booking_id)
    return cancel_booking(session, booking.id, now=now, by=CancelledBy.BUILDER, reason=reason)
