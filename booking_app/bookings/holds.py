"""Holds: reserving a slot, race-free.

No double booking: ``create_hold`` checks and inserts inside one write transaction. On
PostgreSQL the ``booking_no_overlap`` exclusion constraint and the seat index refuse a second
booking of the same time even when two transactions check at the same moment (holds are also
serialised per builder, which avoids the constraint's deadlocks); on SQLite the transaction
begins with ``BEGIN IMMEDIATE`` and so holds the database's single write lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings import customer, events, notices, outgoing
from booking_app.bookings.transitions import expire_stale_holds
from booking_app.db import get_engine, read_connection, read_session, write_session
from booking_app.errors import Conflict, InvalidInput, SignInRequired, TooManyRequests
from booking_app.models import (
    Actor,
    Booking,
    BookingEventKind,
    BookingStatus,
    Builder,
    Customer,
    LocationKind,
    SessionType,
)
from booking_app.offers import terms
from booking_app.scheduling.availability import booking_occupancy_key, group_occupancy_key, slot_at
from booking_app.scheduling.guards import (
    RETRYABLE_SQLSTATES,
    lock_builder,
    overlap_exists,
    sqlstate,
    time_is_taken,
    violated_guard,
)
from booking_app.scheduling.queries import SANE_DISTANCE, get_session_type
from booking_app.formatting import format_day
from booking_app.scheduling.slots import load_timezone
from booking_app.settings import get_settings
from booking_app.tokens import new_booking_token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HoldRequest:
    session_type_id: int
    start: datetime
    name: str
    email: str
    timezone: str
    notes: str = ""
    client_address: str | None = None
    phone: str = ""  # asked when the session type is a phone call
    answers: Mapping[str, object] | None = None  # question id → answer (offers.terms)
    # The customer's session token (issue 16): required by members-only session types, whose
    # booking records the account and takes its verified address. Ignored by the others.
    customer_token: str | None = None


@dataclass(frozen=True)
class _CleanHold:
    session_type_id: int
    start: datetime
    name: str
    email: str
    timezone: str
    notes: str
    client_address: str | None
    phone: str
    answers: Mapping[str, object]
    customer_id: int | None = None


@dataclass(frozen=True)
class _Intake:
    """What the session type asks for, checked against it: the phone number, the answers."""

    phone: str | None
    answers: list[dict]


def _intake(clean: _CleanHold, session_type: SessionType) -> _Intake:
    phone = (customer.clean_phone(clean.phone, clean.timezone)
             if session_type.location_kind == LocationKind.PHONE else None)
    return _Intake(phone, terms.clean_answers(terms.questions_of(session_type.questions), clean.answers))


def _clean(request: HoldRequest, now: datetime) -> _CleanHold:
    details = customer.clean(request.name, request.email, request.notes, request.timezone)
    if request.start.tzinfo is None or request.start.utcoffset() is None:
        raise InvalidInput("start", messages.START_NEEDS_OFFSET)
    if abs(request.start.date() - now.date()) > SANE_DISTANCE:
        raise InvalidInput("start", messages.DATE_OUT_OF_RANGE)
    start = request.start.astimezone(UTC)
    client = request.client_address[:64] if request.client_address else None
    return _CleanHold(request.session_type_id, start, details.name, details.email, details.timezone,
                      details.notes, client, request.phone or "", dict(request.answers or {}))


def _as_member(clean: _CleanHold, customer_token: str | None, now: datetime) -> _CleanHold:
    """A members-only session type: the signed-in customer books, with their verified address
    (whatever e-mail was typed); ``SignInRequired`` without a valid customer session."""
    from booking_app.accounts.customers import signed_in_customer

    who = signed_in_customer(customer_token or "", now=now)
    if who is None:
        raise SignInRequired(messages.MEMBERS_ONLY)
    return replace(clean, email=who.email, customer_id=who.customer_id)


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
    if session_type.requires_sign_in:
        clean = _as_member(clean, request.customer_token, now)
    with read_session(engine) as session:
        intake = _intake(clean, session_type)
        check_timing(session_type, clean.start, now)
        if slot_at(session, session_type, builder, clean.start, now, include_busy=False) is None:
            raise InvalidInput("start", messages.NOT_A_SLOT)
        if _already_taken(session, session_type, builder, clean.start, now):
            raise Conflict(messages.SLOT_TAKEN)  # already taken: answer without queueing
    with _builder_queue(engine, builder.id):
        # Requests for the same slot that arrived together all passed the check above; the
        # first through the queue took it. Tell the others at once from a plain read instead
        # of taking the write lock to find out (the check under the lock stays the guard).
        with read_connection(engine) as connection:  # a fresh read: it sees every commit so far
            if _blocked_by_others(connection, session_type, builder, clean.start, now):
                raise Conflict(messages.SLOT_TAKEN)
        return _write_hold(engine, clean, intake, session_type, builder, now)


def _write_hold(engine: Engine, clean: _CleanHold, intake: _Intake, session_type: SessionType, builder: Builder,
                now: datetime) -> Booking:
    # Retry what a second attempt can resolve: a lost seat race (another seat may be free) or
    # a PostgreSQL deadlock/serialization failure (the retry sees the winner and says 409).
    for attempt in range(3):
        last = attempt == 2
        try:
            with write_session(engine) as session:
                return _insert_hold(session, clean, intake, session_type, builder, now)
        except sa.exc.IntegrityError as exc:
            guard = violated_guard(exc)
            if guard is None:
                raise
            if guard == "uq_booking_active_seat" and not last:
                continue
            raise Conflict(messages.SLOT_TAKEN) from None
        except sa.exc.OperationalError as exc:
            if sqlstate(exc) not in RETRYABLE_SQLSTATES:
                raise
            log.warning("hold for session type %s at %s: %s; retrying", session_type.id, clean.start, sqlstate(exc))
            if last:
                raise Conflict(messages.SLOT_TAKEN) from None
    raise AssertionError("unreachable")  # the loop returns or raises


def _blocked_span(session_type: SessionType, start: datetime) -> tuple[datetime, datetime]:
    """``[blocked_start, blocked_end)`` of a booking of ``session_type`` at ``start``."""
    end = start + timedelta(minutes=session_type.duration_minutes)
    return (start - timedelta(minutes=session_type.buffer_before_minutes),
            end + timedelta(minutes=session_type.buffer_after_minutes))


def _already_taken(session: Session, session_type: SessionType, builder: Builder, start: datetime,
                   now: datetime) -> bool:
    """Is the offered slot at ``start`` no longer free? Group sessions count seats as the
    listing does; for the others this is the slot engine's test for one candidate (its
    buffered span against busy time) as one indexed query."""
    if session_type.seats > 1:
        return slot_at(session, session_type, builder, start, now, include_busy=True) is None
    return _blocked_by_others(session.connection(), session_type, builder, start, now)


def _blocked_by_others(connection: sa.Connection, session_type: SessionType, builder: Builder, start: datetime,
                       now: datetime) -> bool:
    """Does a booking (other than a seat of the same group slot) block the time a booking at
    ``start`` needs? True means the write path would refuse it too."""
    blocked_start, blocked_end = _blocked_span(session_type, start)
    key = group_occupancy_key(session_type.id, start) if session_type.seats > 1 else _NO_KEY
    return overlap_exists(connection, builder.id, blocked_start, blocked_end, key, now)


_NO_KEY = ""  # an occupancy key no booking has (they are "booking:…" or "group:…")


# Per process, holds for one builder go through one at a time (per database). Not a guard —
# the database's write lock (SQLite) and advisory lock + exclusion constraint (PostgreSQL)
# are, across threads and processes alike — but a queue that wakes the next request the
# moment the previous one has committed. Without it, requests that lost the race waited for
# SQLite's lock in its busy handler, which sleeps in growing steps (up to 100 ms), or
# queued for PostgreSQL's advisory lock only to find the slot taken.
_QUEUE_TIMEOUT_S = 30.0
_queues: dict[tuple[str, int], threading.Lock] = {}
_queues_guard = threading.Lock()


@contextmanager
def _builder_queue(engine: Engine, builder_id: int) -> Iterator[None]:
    key = (engine.url.render_as_string(hide_password=True), builder_id)
    with _queues_guard:
        queue = _queues.setdefault(key, threading.Lock())
    # A request stuck for longer than the database's own lock timeout goes on without its
    # turn: the database still serialises it, only the quick answer is lost.
    acquired = queue.acquire(timeout=_QUEUE_TIMEOUT_S)
    if not acquired:
        log.warning("hold queue for builder %s: no turn after %.0f s; going on", builder_id, _QUEUE_TIMEOUT_S)
    try:
        yield
    finally:
        if acquired:
            queue.release()


def _insert_hold(
    session: Session, clean: _CleanHold, intake: _Intake, session_type: SessionType, builder: Builder,
    now: datetime,
) -> Booking:
    """Inside the write transaction: re-check the builder's time, enforce limits, insert."""
    if session.get_bind().dialect.name == "postgresql":
        _lock_for_hold(session, builder.id, clean)
    start = clean.start
    end = start + timedelta(minutes=session_type.duration_minutes)
    blocked_start, blocked_end = _blocked_span(session_type, start)
    token = new_booking_token()
    group = session_type.seats > 1
    key = group_occupancy_key(session_type.id, start) if group else booking_occupancy_key(token)
    # The overlap check first: a request that lost the race leaves without writing anything.
    # (Expired holds never count as taken here, marked expired or not.)
    if time_is_taken(session, builder.id, blocked_start, blocked_end, key, now):
        raise Conflict(messages.SLOT_TAKEN)
    expire_stale_holds(session, now=now, builder_id=builder.id)
    if session_type.is_free:
        _check_free_limits(session, clean, builder)
    else:
        _check_hold_limits(session, clean, now, get_settings().max_active_holds)
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
        seat=free_seat(session, session_type, start) if group else 1,
        customer_name=clean.name,
        customer_email=clean.email,
        customer_notes=clean.notes,
        customer_timezone=clean.timezone,
        client_address=clean.client_address,
        status=BookingStatus.CONFIRMED if free else BookingStatus.PENDING_PAYMENT,
        amount=session_type.price_amount,
        currency=session_type.currency,
        refund_tiers=session_type.refund_tiers,
        cancel_cutoff_hours=session_type.cancel_cutoff_hours,
        location_kind=session_type.location_kind,
        location_detail=session_type.location_detail,
        customer_phone=intake.phone,
        customer_id=clean.customer_id,
        answers=intake.answers,
        hold_expires_at=None if free else now + timedelta(minutes=get_settings().hold_minutes),
        confirmed_at=now if free else None,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    if clean.customer_id is not None:  # a member's first booking names their account (the wizard fills it next time)
        session.execute(sa.update(Customer).where(Customer.id == clean.customer_id, Customer.name == "")
                        .values(name=clean.name))
    if free:
        events.record(session, booking.id, BookingEventKind.CONFIRMED, Actor.CUSTOMER, now=now,
                      detail="free session, confirmed when booked")
        notices.booking_confirmed(session, booking.id, now=now)
        outgoing.booking_confirmed(session, booking.id, now=now)
    else:
        events.record(session, booking.id, BookingEventKind.HELD, Actor.CUSTOMER, now=now)
    log.info("booking %s created: %s at %s", booking.id, booking.status, booking.start_at.isoformat())
    return booking


def check_timing(session_type: SessionType, start: datetime, now: datetime) -> None:
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
    """PostgreSQL: serialise holds per builder (see ``guards.lock_builder``), then per e-mail
    and per client address so the hold limit cannot be raced. Always the builder first, then
    the sorted rest, so two holds can never wait on each other."""
    lock_builder(session, builder_id)
    keys = sorted({f"hold-email:{clean.email}", *([f"hold-client:{clean.client_address}"] if clean.client_address else [])})
    for key in keys:
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def _check_hold_limits(session: Session, clean: _CleanHold, now: datetime, limit: int) -> None:
    unpaid = sa.and_(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now)
    # The e-mail address is the customer's own; a client address may be shared by many people
    # (an office, a café, a mobile carrier), so that refusal blames nobody.
    owners = [(Booking.customer_email == clean.email, messages.TOO_MANY_HOLDS)]
    if clean.client_address:
        owners.append((Booking.client_address == clean.client_address, messages.TOO_MANY_HOLDS_SHARED_ADDRESS))
    for owner, message in owners:
        count = session.exec(select(sa.func.count()).select_from(Booking).where(unpaid, owner)).one()
        if count >= limit:
            raise TooManyRequests(message.format(limit=limit))


def _check_free_limits(session: Session, clean: _CleanHold, builder: Builder) -> None:
    """Free sessions one e-mail address, and one client address, already has with this builder
    on the builder's calendar day of ``clean.start`` (under the write lock: race-free)."""
    settings = get_settings()
    zone = load_timezone(builder.timezone)
    day = clean.start.astimezone(zone).date()
    first = datetime.combine(day, time(0), zone).astimezone(UTC)
    last = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    same_day = sa.and_(Booking.builder_id == builder.id, Booking.status == BookingStatus.CONFIRMED,
                       Booking.amount == 0, Booking.start_at >= first, Booking.start_at < last)
    label = format_day(day)
    checks = [(Booking.customer_email == clean.email, settings.max_free_bookings_per_day,
               messages.FREE_LIMIT_ADDRESS)]
    if clean.client_address:
        checks.append((Booking.client_address == clean.client_address, settings.max_free_bookings_per_client_per_day,
                       messages.FREE_LIMIT_CLIENT))
    for owner, limit, message in checks:
        count = session.exec(select(sa.func.count()).select_from(Booking).where(same_day, owner)).one()
        if count >= limit:
            log.info("free booking refused for builder %s on %s: %d of %d", builder.id, day, count, limit)
            raise TooManyRequests(message.format(limit=limit, builder=builder.display_name, day=label))


def free_seat(session: Session, session_type: SessionType, start: datetime) -> int:
    """The lowest seat not taken in the group slot at ``start``; ``Conflict`` when it is full."""
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


