"""Offer management: the only code that writes a builder's session types, weekly hours, date
overrides, time zone and profile.

Every operation takes the acting user's id, resolves their builder with
``scheduling.service.builder_of`` (``Forbidden`` for anonymous users and non-builders) and
runs in its own transaction: reads in ``read_session()``, writes in ``write_session()``, which
commits on success and rolls back on any error — so a refused change writes nothing. Results
are plain frozen dataclasses that a Reflex state can keep; the UI calls these functions from
``asyncio.to_thread``.

Writes take the builder's row lock first (``FOR NO KEY UPDATE`` on PostgreSQL, which does not
block bookings referencing the builder; SQLite's ``BEGIN IMMEDIATE`` already serialises), so two
edits of one builder's offer — e.g. replacing Monday's hours from two tabs — cannot interleave.

Bookings are never touched: each booking keeps its own UTC times, amount, currency and refund
cut-off, so changing prices, hours or the time zone affects only bookings made afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlmodel import Session, col, select

from booking_app import messages
from booking_app.timezones import validate_timezone
from booking_app.bookings.notices import reminder_hours
from booking_app.db import read_session, write_session
from booking_app.errors import InvalidInput, NotFound
from booking_app.models import Builder, DateOverride, DateOverrideWindow, LocationKind, SessionType, WeeklyWindow, utcnow
from booking_app.money import format_money, from_minor_units
from booking_app.offers import terms, validation
from booking_app.offers.validation import (
    MAX_NOTE_LENGTH,
    WEEKDAYS,
    CleanSessionType,
    clean_day,
    clean_profile,
    clean_session_type,
    clean_text,
    clean_weekday,
    format_minute,
    numbered_slug,
    parse_windows,
    slugify,
)
from booking_app.scheduling.service import builder_of
from booking_app.scheduling.slots import load_timezone

__all__ = [
    "Availability", "DayHours", "DateOverrideView", "ProfileView", "SessionTypeDraft", "SessionTypeView",
    "TimeWindow", "activate_session_type", "create_session_type", "deactivate_session_type",
    "get_availability", "get_profile", "get_session_type", "list_session_types", "remove_date_override",
    "reorder_session_types", "set_date_override", "set_timezone", "set_week", "set_weekly_hours",
    "update_profile", "update_session_type",
]

Windows = Iterable[Sequence[str | int | time]]


# --- what callers send and get back -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SessionTypeDraft:
    """A session type as the builder typed it. Numbers may be ints or digit strings."""

    title: str
    duration_minutes: int
    price: str = "0"  # decimal string as typed in the currency's major unit: "150", "150.00"; 0 = free
    currency: str = "gbp"  # ISO 4217, any case; stored lower-case
    slug: str | None = None  # the ?type= link name; empty: derived from the title (kept on update)
    description: str = ""
    interval_minutes: int | None = None  # None = the duration
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    minimum_notice_minutes: int = 0
    horizon_days: int = 60
    seats: int = 1
    # Customer cancellations: [{"hours_before", "percent"}] (offers.terms.clean_refund_tiers),
    # possible until ``cancel_cutoff_hours`` before the start (0: until the start).
    refund_tiers: Sequence[Mapping[str, object]] = ({"hours_before": 24, "percent": 100},)
    cancel_cutoff_hours: int = 0
    reschedule_cutoff_hours: int = 24
    location_kind: str = LocationKind.BUILDER_SENDS.value  # video | in_person | phone | builder_sends
    location_detail: str = ""  # the video link or the address
    # [{"id"?, "label", "kind", "required", "choices"?}] (offers.terms.clean_questions)
    questions: Sequence[Mapping[str, object]] = ()
    is_active: bool = True
    requires_sign_in: bool = False  # members only (issue 16)


@dataclass(frozen=True)
class SessionTypeView:
    id: int
    slug: str
    title: str
    description: str
    duration_minutes: int
    price_amount: int  # minor units
    price: str  # major units for the edit form: "150.00", "1500" (JPY), "0.00"
    price_label: str  # "£150.00", "¥1,500", "Free"
    currency: str  # lower-case ISO code
    interval_minutes: int | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    seats: int
    refund_tiers: list[dict]  # [{"hours_before", "percent"}], most notice first
    refund_policy: str  # the tiers in one sentence
    cancel_cutoff_hours: int
    reschedule_cutoff_hours: int
    location_kind: str
    location_detail: str
    questions: list[dict]  # [{"id", "label", "kind", "required", "choices"}]
    is_active: bool
    display_order: int
    requires_sign_in: bool = False  # members only (issue 16)

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0

    def draft(self) -> SessionTypeDraft:
        """This session type as a draft, to prefill the edit form."""
        return SessionTypeDraft(
            title=self.title, slug=self.slug, description=self.description,
            duration_minutes=self.duration_minutes, price=self.price, currency=self.currency,
            interval_minutes=self.interval_minutes, buffer_before_minutes=self.buffer_before_minutes,
            buffer_after_minutes=self.buffer_after_minutes,
            minimum_notice_minutes=self.minimum_notice_minutes, horizon_days=self.horizon_days, seats=self.seats,
            refund_tiers=self.refund_tiers, cancel_cutoff_hours=self.cancel_cutoff_hours,
            reschedule_cutoff_hours=self.reschedule_cutoff_hours, location_kind=self.location_kind,
            location_detail=self.location_detail, questions=self.questions, is_active=self.is_active,
            requires_sign_in=self.requires_sign_in,
        )


@dataclass(frozen=True)
class TimeWindow:
    start_minute: int  # builder-local minutes since midnight
    end_minute: int  # 1440 = the midnight that ends the day
    start: str  # "09:00"
    end: str  # "17:00", "24:00"

    @classmethod
    def of(cls, start_minute: int, end_minute: int) -> TimeWindow:
        return cls(start_minute, end_minute, format_minute(start_minute), format_minute(end_minute))


@dataclass(frozen=True)
class DayHours:
    weekday: int  # 0 = Monday
    name: str  # "Monday"
    windows: tuple[TimeWindow, ...]  # sorted; empty = not available that weekday


@dataclass(frozen=True)
class DateOverrideView:
    id: int
    day: date  # builder-local
    note: str
    windows: tuple[TimeWindow, ...]  # sorted; empty = day off
    is_day_off: bool


@dataclass(frozen=True)
class Availability:
    timezone: str  # IANA name the hours are read in
    today: date  # builder-local
    weekly: tuple[DayHours, ...]  # seven entries, Monday first
    overrides: tuple[DateOverrideView, ...] = field(default=())  # from today on, by date


@dataclass(frozen=True)
class ProfileView:
    slug: str
    display_name: str
    headline: str
    bio: str
    timezone: str
    photo_url: str


# --- session types ------------------------------------------------------------------------------


def list_session_types(actor_user_id: int | None) -> list[SessionTypeView]:
    """All of the builder's session types, inactive ones included, in display order."""
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        return [_view(kind) for kind in _session_types(session, builder.id)]


def get_session_type(actor_user_id: int | None, session_type_id: int) -> SessionTypeView:
    with read_session() as session:
        return _view(_own_session_type(session, actor_user_id, session_type_id)[1])


def create_session_type(actor_user_id: int | None, draft: SessionTypeDraft) -> SessionTypeView:
    """A new session type, last in display order. ``InvalidInput`` names the field at fault."""
    clean = clean_session_type(draft)
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        slug = _unique_slug(session, builder.id, clean, current=None)
        highest = session.exec(
            select(sa.func.max(SessionType.display_order)).where(SessionType.builder_id == builder.id)
        ).one()
        now = utcnow()
        position = 0 if highest is None else highest + 1
        kind = SessionType(
            builder_id=builder.id, slug=slug, display_order=position, created_at=now, updated_at=now
        )
        _apply(kind, clean)
        session.add(kind)
        session.flush()
        return _view(kind)


def update_session_type(
    actor_user_id: int | None, session_type_id: int, draft: SessionTypeDraft
) -> SessionTypeView:
    """Replace every field of one session type. An empty slug keeps the current link name.

    Existing bookings keep their own amount, currency, refund cut-off and times."""
    clean = clean_session_type(draft)
    with write_session() as session:
        builder, kind = _own_session_type(session, actor_user_id, session_type_id, lock=True)
        kind.slug = _unique_slug(session, builder.id, clean, current=kind)
        _apply(kind, clean)
        kind.updated_at = utcnow()
        session.add(kind)
        session.flush()
        return _view(kind)


def deactivate_session_type(actor_user_id: int | None, session_type_id: int) -> SessionTypeView:
    """Hide a session type from the booking pages; its bookings stay as they are."""
    return _set_active(actor_user_id, session_type_id, False)


def activate_session_type(actor_user_id: int | None, session_type_id: int) -> SessionTypeView:
    return _set_active(actor_user_id, session_type_id, True)


def reorder_session_types(actor_user_id: int | None, ordered_ids: Sequence[int]) -> list[SessionTypeView]:
    """Set the display order: ``ordered_ids`` lists each of the builder's session types once."""
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        kinds = {kind.id: kind for kind in _session_types(session, builder.id)}
        for kind_id in ordered_ids:
            if kind_id not in kinds:
                _own_session_type(session, actor_user_id, kind_id)  # raises NotFound / Forbidden
        if len(ordered_ids) != len(kinds) or set(ordered_ids) != set(kinds):
            raise InvalidInput("order", messages.OFFER_ORDER_MISMATCH)
        now = utcnow()
        for position, kind_id in enumerate(ordered_ids):
            kind = kinds[kind_id]
            if kind.display_order != position:
                kind.display_order, kind.updated_at = position, now
                session.add(kind)
        session.flush()
        return [_view(kinds[kind_id]) for kind_id in ordered_ids]


def _set_active(actor_user_id: int | None, session_type_id: int, active: bool) -> SessionTypeView:
    with write_session() as session:
        _, kind = _own_session_type(session, actor_user_id, session_type_id, lock=True)
        if kind.is_active != active:
            kind.is_active, kind.updated_at = active, utcnow()
            session.add(kind)
            session.flush()
        return _view(kind)


def _session_types(session: Session, builder_id: int) -> list[SessionType]:
    return list(session.exec(
        select(SessionType).where(SessionType.builder_id == builder_id)
        .order_by(SessionType.display_order, SessionType.id)
    ))


def _own_session_type(
    session: Session, actor_user_id: int | None, session_type_id: int, *, lock: bool = False
) -> tuple[Builder, SessionType]:
    builder = _lock_builder(session, actor_user_id) if lock else builder_of(session, actor_user_id)
    kind = session.get(SessionType, session_type_id) if isinstance(session_type_id, int) else None
    if kind is None or kind.builder_id != builder.id:  # another builder's: the same answer as none
        raise NotFound(messages.OFFER_NOT_FOUND)
    return builder, kind


def _unique_slug(
    session: Session, builder_id: int, clean: CleanSessionType, *, current: SessionType | None
) -> str:
    """The typed link name if it is free; none typed: the current one (update) or one derived
    from the title, numbered if taken (create)."""
    query = select(SessionType.slug).where(SessionType.builder_id == builder_id)
    if current is not None:
        query = query.where(SessionType.id != current.id)
    taken = set(session.exec(query))
    if clean.slug is not None:
        if clean.slug in taken:
            raise InvalidInput("slug", messages.OFFER_SLUG_TAKEN.format(slug=clean.slug))
        return clean.slug
    if current is not None:
        return current.slug
    base = slugify(clean.title)
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = numbered_slug(base, number)
    return slug


def _apply(kind: SessionType, clean: CleanSessionType) -> None:
    """Copy every checked field onto the row; the slug is settled by the caller (derived,
    numbered or kept), so it is the one field left out."""
    for name in _STORED_FIELDS:
        setattr(kind, name, getattr(clean, name))


_STORED_FIELDS = tuple(f.name for f in fields(CleanSessionType) if f.name != "slug")


def _view(kind: SessionType) -> SessionTypeView:
    return SessionTypeView(
        id=kind.id, slug=kind.slug, title=kind.title, description=kind.description,
        duration_minutes=kind.duration_minutes, price_amount=kind.price_amount,
        price=str(from_minor_units(kind.price_amount, kind.currency)),
        price_label=format_money(kind.price_amount, kind.currency), currency=kind.currency,
        interval_minutes=kind.interval_minutes, buffer_before_minutes=kind.buffer_before_minutes,
        buffer_after_minutes=kind.buffer_after_minutes, minimum_notice_minutes=kind.minimum_notice_minutes,
        horizon_days=kind.horizon_days, seats=kind.seats, refund_tiers=list(kind.refund_tiers),
        refund_policy=terms.describe_refund_tiers(terms.tiers_of(kind.refund_tiers)),
        cancel_cutoff_hours=kind.cancel_cutoff_hours, reschedule_cutoff_hours=kind.reschedule_cutoff_hours,
        location_kind=str(kind.location_kind), location_detail=kind.location_detail, questions=list(kind.questions),
        is_active=kind.is_active, display_order=kind.display_order, requires_sign_in=kind.requires_sign_in,
    )


# --- availability -------------------------------------------------------------------------------


def get_availability(actor_user_id: int | None, *, now: datetime | None = None) -> Availability:
    """The builder's zone, weekly hours by weekday and date overrides from today (builder-local) on."""
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        today = _today(builder, now)
        rows = session.exec(
            select(WeeklyWindow)
            .where(WeeklyWindow.builder_id == builder.id)
            .order_by(WeeklyWindow.start_minute)
        )
        by_day: dict[int, list[TimeWindow]] = {weekday: [] for weekday in range(7)}
        for row in rows:
            by_day[row.weekday].append(TimeWindow.of(row.start_minute, row.end_minute))
        weekly = tuple(DayHours(weekday, WEEKDAYS[weekday], tuple(by_day[weekday])) for weekday in range(7))
        overrides = session.exec(
            select(DateOverride)
            .where(DateOverride.builder_id == builder.id, DateOverride.day >= today)
            .order_by(DateOverride.day)
        ).all()
        windows = _override_windows(session, [o.id for o in overrides])
        views = tuple(_override_view(o, windows.get(o.id, [])) for o in overrides)
        return Availability(builder.timezone, today, weekly, views)


def set_week(actor_user_id: int | None, week: Mapping[int, Windows]) -> list[DayHours]:
    """Replace the windows of every weekday in ``week`` (0 = Monday … 6 = Sunday; no windows =
    closed) in one transaction; weekdays left out keep theirs. Results are Monday first.

    Every day is checked before anything is written: a bad weekday is ``InvalidInput("weekday")``,
    bad windows are ``InvalidInput`` naming the day (``"monday"`` … ``"sunday"``), and either
    leaves all seven days as they were."""
    return _replace_weekdays(actor_user_id, _clean_week(week))


def set_weekly_hours(actor_user_id: int | None, weekday: int, windows: Windows) -> DayHours:
    """Replace one weekday's windows (``(start, end)`` as "HH:MM" or minutes; none = closed).
    ``InvalidInput`` names ``"weekday"`` or ``"windows"``."""
    weekday = clean_weekday(weekday)
    return _replace_weekdays(actor_user_id, {weekday: parse_windows(windows)})[0]


def _clean_week(week: Mapping[int, Windows]) -> dict[int, list[tuple[int, int]]]:
    """Each weekday's windows as sorted minute spans, Monday first; weekdays checked first."""
    if not isinstance(week, Mapping):
        raise InvalidInput("weekday", messages.HOURS_WEEKDAY)
    weekdays = sorted(clean_weekday(weekday) for weekday in week)
    clean: dict[int, list[tuple[int, int]]] = {}
    for weekday in weekdays:
        try:
            clean[weekday] = parse_windows(week[weekday])
        except InvalidInput as exc:
            raise InvalidInput(WEEKDAYS[weekday].lower(), exc.message) from None
    return clean


def _replace_weekdays(actor_user_id: int | None, week: Mapping[int, list[tuple[int, int]]]) -> list[DayHours]:
    """Write checked spans for the given weekdays, all in one transaction under the builder's lock."""
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        if week:
            session.execute(
                sa.delete(WeeklyWindow)
                .where(WeeklyWindow.builder_id == builder.id, col(WeeklyWindow.weekday).in_(list(week)))
            )
        for weekday, spans in week.items():
            for start, end in spans:
                session.add(
                    WeeklyWindow(builder_id=builder.id, weekday=weekday, start_minute=start, end_minute=end)
                )
        session.flush()
    return [DayHours(weekday, WEEKDAYS[weekday], tuple(TimeWindow.of(s, e) for s, e in spans))
            for weekday, spans in sorted(week.items())]


def set_date_override(
    actor_user_id: int | None,
    day: date | str,
    windows: Windows,
    note: str = "",
    *,
    now: datetime | None = None,
) -> DateOverrideView:
    """Replace one builder-local date's hours with ``windows``; no windows = a day off.
    Today and later only (in the builder's zone), up to a year ahead."""
    spans = parse_windows(windows)
    note = clean_text(note, "note", MAX_NOTE_LENGTH, "The note")
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        day = clean_day(day, _today(builder, now))
        override = session.exec(
            select(DateOverride).where(DateOverride.builder_id == builder.id, DateOverride.day == day)
        ).first()
        if override is None:
            override = DateOverride(builder_id=builder.id, day=day, note=note)
        else:
            override.note = note
            session.execute(
                sa.delete(DateOverrideWindow).where(DateOverrideWindow.override_id == override.id)
            )
        session.add(override)
        session.flush()
        for start, end in spans:
            session.add(DateOverrideWindow(override_id=override.id, start_minute=start, end_minute=end))
        session.flush()
        return _override_view(override, spans)


def remove_date_override(actor_user_id: int | None, day: date | str, *, now: datetime | None = None) -> None:
    """Go back to the weekly hours on ``day``; ``NotFound`` if it has no override."""
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        day = clean_day(day, _today(builder, now))
        override = session.exec(
            select(DateOverride).where(DateOverride.builder_id == builder.id, DateOverride.day == day)
        ).first()
        if override is None:
            raise NotFound(messages.OVERRIDE_NOT_FOUND.format(day=day.isoformat()))
        # Explicit, not left to ON DELETE CASCADE: SQLite enforces it only with foreign keys on.
        session.execute(sa.delete(DateOverrideWindow).where(DateOverrideWindow.override_id == override.id))
        session.delete(override)
        session.flush()


def set_timezone(actor_user_id: int | None, timezone: str) -> str:
    """Read the builder's hours in another IANA zone from now on; returns the zone's name.
    Booked sessions keep their instants."""
    name = validate_timezone(timezone or "")
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        builder.timezone = name
        session.add(builder)
        session.flush()
    return name


def get_reminder_hours(actor_user_id: int | None) -> str:
    """The builder's reminder setting as typed back to them ("24, 1"; "" = none)."""
    with read_session() as session:
        return ", ".join(str(h) for h in reminder_hours(builder_of(session, actor_user_id).reminder_hours))


def set_reminder_hours(actor_user_id: int | None, text: str) -> str:
    """When customers are reminded of their sessions: hours before the start, comma-separated
    (at most 3, each 1 to 168; empty = no reminders). Returns the setting as stored."""
    hours = validation.parse_reminder_hours(text)
    stored = ",".join(str(h) for h in hours)
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        builder.reminder_hours = stored
        session.add(builder)
    return ", ".join(str(h) for h in hours)


def _override_windows(session: Session, override_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    if not override_ids:
        return {}
    rows = session.exec(
        select(DateOverrideWindow)
        .where(col(DateOverrideWindow.override_id).in_(override_ids))
        .order_by(DateOverrideWindow.start_minute)
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        found.setdefault(row.override_id, []).append((row.start_minute, row.end_minute))
    return found


def _override_view(override: DateOverride, spans: Sequence[tuple[int, int]]) -> DateOverrideView:
    windows = tuple(TimeWindow.of(s, e) for s, e in spans)
    return DateOverrideView(override.id, override.day, override.note, windows, not windows)


def _today(builder: Builder, now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(load_timezone(builder.timezone)).date()


# --- profile ------------------------------------------------------------------------------------


def get_profile(actor_user_id: int | None) -> ProfileView:
    with read_session() as session:
        return _profile(builder_of(session, actor_user_id))


def update_profile(actor_user_id: int | None, display_name: str, headline: str, bio: str) -> ProfileView:
    """Name (1-200 characters), headline (up to 200) and bio (up to 5,000) shown to customers."""
    clean = clean_profile(display_name, headline, bio)
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        builder.display_name, builder.headline, builder.bio = clean.display_name, clean.headline, clean.bio
        session.add(builder)
        session.flush()
        return _profile(builder)


def _profile(builder: Builder) -> ProfileView:
    return ProfileView(builder.slug, builder.display_name, builder.headline, builder.bio, builder.timezone,
                       builder.photo_url or "")


# --- shared -------------------------------------------------------------------------------------


def _lock_builder(session: Session, actor_user_id: int | None) -> Builder:
    """The acting builder, with their row locked until the transaction ends (PostgreSQL
    ``FOR NO KEY UPDATE``: bookings, which only reference the row, are not held up)."""
    builder = builder_of(session, actor_user_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(Builder.id).where(Builder.id == builder.id).with_for_update(key_share=True))
        session.refresh(builder)
    return builder
