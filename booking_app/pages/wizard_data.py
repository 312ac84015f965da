"""What the booking wizard shows and does, as plain functions over the services.

The wizard's State runs these in a worker thread (``asyncio.to_thread``) so database and
Stripe work never blocks the event loop, and keeps only their plain results.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from booking_app.bookings import customer, queries
from booking_app.bookings.cancel import release_hold as release_hold_now
from booking_app.bookings.holds import HoldRequest
from booking_app.bookings.reschedule import reschedule_as_customer
from booking_app.bookings.reserve import Reservation, reserve, start_checkout
from booking_app.db import read_session
from booking_app.errors import InvalidInput, NotFound
from booking_app.formatting import clock_time, format_span
from booking_app.models import BookingStatus, LocationKind, SessionType
from booking_app.money import format_money
from booking_app.offers import terms
from booking_app.scheduling import service
from booking_app.scheduling.slots import load_timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuilderCard:
    slug: str
    name: str
    headline: str
    initials: str
    photo_url: str
    timezone: str
    bio: str = ""  # the builder's own words, on the booking page and the home page's cards


@dataclass(frozen=True)
class QuestionCard:
    id: str
    label: str
    kind: str  # short_text | long_text | choice | checkbox
    required: bool
    choices: list[str]

    def question(self) -> terms.Question:
        return terms.Question(self.id, self.label, terms.QuestionKind(self.kind), self.required, tuple(self.choices))


@dataclass(frozen=True)
class SessionTypeCard:
    id: int
    slug: str
    title: str
    description: str
    minutes: int
    duration: str  # "1 h"
    price: str  # "£150.00" or "Free"
    is_free: bool
    cancellation_policy: str  # "Full refund until 24 hours before the start, none after."
    location_label: str  # how it happens ("Video call"); where is said once booked
    asks_phone: bool  # a phone call: the details step asks for the number
    questions: list[QuestionCard]
    requires_sign_in: bool = False  # members only (issue 16): the details step asks to sign in first


@dataclass(frozen=True)
class SlotChoice:
    start: str  # UTC instant, ISO-8601: what "Pay" sends to the service
    time_24h: str  # customer-local "14:30"
    time_12h: str  # customer-local "2:30 pm"
    builder_24h: str  # builder-local, shown when the zones differ
    builder_12h: str
    builder_differs: bool = True  # the builder's offset differs from the customer's at this instant


def initials(name: str) -> str:
    """Up to two initials, for the avatar of a builder without a photo.

    >>> initials("Mira Novak")
    'MN'
    """
    return "".join(part[0] for part in name.split()[:2]).upper()


def builder_card(builder) -> BuilderCard:
    return BuilderCard(builder.slug, builder.display_name, builder.headline, initials(builder.display_name),
                       builder.photo_url or "", builder.timezone, builder.bio or "")


def duration_label(minutes: int) -> str:
    """A session's length, as people say it.

    >>> duration_label(90), duration_label(60), duration_label(15)
    ('1 h 30 min', '1 h', '15 min')
    """
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def load_builders(featured_slug: str) -> list[BuilderCard]:
    with read_session() as session:
        return [builder_card(b) for b in service.list_bookable_builders(session, featured_slug=featured_slug)]


def load_offer(slug: str) -> tuple[BuilderCard, list[SessionTypeCard]] | None:
    """The builder and their session types; None when no builder has this address."""
    with read_session() as session:
        try:
            builder, kinds = service.list_session_types(session, slug)
        except NotFound:
            return None
        return builder_card(builder), [session_type_card(kind) for kind in kinds]


LOCATION_KIND_LABELS = {LocationKind.VIDEO: "Video call", LocationKind.IN_PERSON: "In person",
                        LocationKind.PHONE: "Phone call", LocationKind.BUILDER_SENDS: ""}


def session_type_card(kind: SessionType) -> SessionTypeCard:
    return SessionTypeCard(
        kind.id, kind.slug, kind.title, kind.description, kind.duration_minutes, duration_label(kind.duration_minutes),
        "Free" if kind.is_free else format_money(kind.price_amount, kind.currency), kind.is_free,
        terms.describe_cancellation(terms.tiers_of(kind.refund_tiers), kind.cancel_cutoff_hours, is_free=kind.is_free),
        LOCATION_KIND_LABELS[LocationKind(kind.location_kind)], kind.location_kind == LocationKind.PHONE,
        [QuestionCard(q.id, q.label, q.kind.value, q.required, list(q.choices))
         for q in terms.questions_of(kind.questions)],
        kind.requires_sign_in,
    )


def load_slots(session_type_id: int, timezone: str, now: datetime, *, max_days: int = 92) -> dict[str, list[SlotChoice]]:
    """Free slots from today until the session type's horizon (at most ``max_days`` on),
    grouped by the customer-local date ("2026-12-01")."""
    zone = load_timezone(timezone)
    first_day = now.astimezone(zone).date()
    with read_session() as session:
        kind, builder = service.get_session_type(session, session_type_id)
        last_day = first_day + timedelta(days=min(kind.horizon_days + 1, max_days))
        listing = service.available_slots(session, session_type_id=session_type_id, first_day=first_day,
                                          last_day=last_day, timezone=zone.key, now=now)
    builder_zone = load_timezone(builder.timezone)
    by_day: dict[str, list[SlotChoice]] = {}
    for slot in listing.slots:
        local, theirs = slot.start.astimezone(zone), slot.start.astimezone(builder_zone)
        by_day.setdefault(local.date().isoformat(), []).append(
            SlotChoice(slot.start.isoformat(), clock_time(local), clock_time(local, hour12=True),
                       clock_time(theirs), clock_time(theirs, hour12=True),
                       local.utcoffset() != theirs.utcoffset())
        )
    return by_day


def offsets_differ(zone: str, other: str, at: datetime) -> bool:
    """Whether two zones' clocks differ at the instant ``at`` (Paris and Berlin do not)."""
    try:
        return at.astimezone(load_timezone(zone)).utcoffset() != at.astimezone(load_timezone(other)).utcoffset()
    except ValueError:  # an unknown zone name: say they differ
        return zone != other


def describe_time(start_iso: str, duration_minutes: int, timezone: str, hour12: bool) -> str:
    start = datetime.fromisoformat(start_iso)
    return format_span(start, start + timedelta(minutes=duration_minutes), timezone, hour12=hour12)


@dataclass(frozen=True)
class DetailErrors:
    name: str = ""
    email: str = ""
    notes: str = ""
    phone: str = ""
    answers: dict[str, str] = field(default_factory=dict)  # question id → message

    @property
    def ok(self) -> bool:
        return not (self.name or self.email or self.notes or self.phone or self.answers)


def check_details(name: str, email: str, notes: str, *, card: SessionTypeCard | None = None, phone: str = "",
                  answers: dict[str, str] | None = None, timezone: str = "UTC") -> DetailErrors:
    """The details step's inline messages: the booking service's own checks and words
    (``bookings.customer`` for the person, ``offers.terms`` for the session type's questions)."""
    found = customer.problems(name, email, notes)
    phone_error, answer_errors = "", {}
    if card is not None:
        if card.asks_phone:
            try:
                customer.clean_phone(phone, timezone)
            except InvalidInput as exc:
                phone_error = exc.message
        problems = terms.answer_problems([q.question() for q in card.questions], answers or {})
        answer_errors = {key.removeprefix("answers."): message for key, message in problems.items()}
    return DetailErrors(found.get("name", ""), found.get("email", ""), found.get("notes", ""), phone_error,
                        answer_errors)


def reserve_slot(*, session_type_id: int, start_iso: str, name: str, email: str, notes: str, timezone: str,
                 client_address: str | None, now: datetime, phone: str = "",
                 answers: dict[str, str] | None = None, customer_token: str | None = None) -> Reservation:
    """"Pay" / "Confirm booking": hold the slot and open Checkout (see ``checkout.reserve``);
    ``customer_token``: the signed-in customer (members-only session types)."""
    return reserve(
        HoldRequest(session_type_id=session_type_id, start=datetime.fromisoformat(start_iso), name=name,
                    email=email, notes=notes, timezone=timezone, client_address=client_address, phone=phone,
                    answers=answers or {}, customer_token=customer_token),
        now=now,
    )


@dataclass(frozen=True)
class ReturnedHold:
    """A booking the customer came back to from Checkout without paying."""

    status: str  # "pending_payment" while the hold lasts, else its final status
    session_type_id: int
    start: str
    local_date: str
    name: str
    email: str
    notes: str
    timezone: str
    hold_expires_at: datetime | None
    phone: str
    answers: dict[str, str]  # question id → answer as the details step keeps it


def _builders_booking(token: str, builder_slug: str) -> queries.BookingDetails | None:
    """The booking behind a token from this builder's page; None for an unknown token or
    another builder's booking."""
    with read_session() as session:
        try:
            details = queries.by_token(session, token)
        except NotFound:
            return None
    return details if details.builder.slug == builder_slug else None


def load_returned_hold(token: str, builder_slug: str, now: datetime) -> ReturnedHold | None:
    """The booking behind a ``cancel_url`` return; None for an unknown token or another builder's."""
    details = _builders_booking(token, builder_slug)
    if details is None:
        return None
    booking = details.booking
    status = booking.status
    if status == BookingStatus.PENDING_PAYMENT and booking.hold_expires_at <= now:
        status = BookingStatus.EXPIRED  # lazily: the sweeper may not have run yet
    local = booking.start_at.astimezone(load_timezone(booking.customer_timezone))
    return ReturnedHold(str(status), booking.session_type_id, booking.start_at.isoformat(), local.date().isoformat(),
                        booking.customer_name, booking.customer_email, booking.customer_notes,
                        booking.customer_timezone, booking.hold_expires_at,
                        customer.format_phone(booking.customer_phone) if booking.customer_phone else "",
                        {answer["id"]: _as_typed(answer["answer"]) for answer in booking.answers})


def _as_typed(answer: str | bool) -> str:
    return ("true" if answer else "false") if isinstance(answer, bool) else answer


@dataclass(frozen=True)
class RescheduleTarget:
    """A confirmed booking the customer is moving (``?reschedule=<token>``)."""

    token: str
    session_type_id: int
    start: str  # its current time, UTC ISO-8601
    timezone: str  # the customer's zone when booking


def load_reschedule_target(token: str, builder_slug: str) -> RescheduleTarget | None:
    """The booking behind ``?reschedule=``; None for an unknown token, another builder's
    booking or one that is not confirmed (the wizard then works as usual)."""
    details = _builders_booking(token, builder_slug)
    if details is None or details.booking.status != BookingStatus.CONFIRMED:
        return None
    booking = details.booking
    return RescheduleTarget(booking.public_token, booking.session_type_id, booking.start_at.isoformat(),
                            booking.customer_timezone)


def move_booking(token: str, start_iso: str, now: datetime) -> None:
    """"Move booking": the customer's reschedule (cut-off, free slot and all)."""
    reschedule_as_customer(token, datetime.fromisoformat(start_iso), now=now)


def retry_checkout(token: str, now: datetime) -> str:
    return start_checkout(token, now=now)


def release_hold(token: str, now: datetime) -> None:
    """"Choose another time": cancel the unpaid hold and close its Checkout Session."""
    release_hold_now(token, now=now)


@dataclass(frozen=True)
class DayCell:
    """One square of the month calendar (a gridcell of the WAI-ARIA date grid)."""

    iso: str  # "2026-12-01"; "" for the padding before the 1st and after the last day
    label: str  # "1"
    available: bool
    selected: bool
    aria: str  # "Tuesday, 1 December 2026, 6 times free" / "…, no times"
    tab_stop: bool = False  # the grid's one Tab stop (roving tabindex): the selected day, else the first free one


def month_cells(month: str, slots_by_day: dict[str, list[SlotChoice]], selected_day: str) -> list[DayCell]:
    """The days of ``month`` ("2026-12") in Monday-first weeks, padded to whole weeks.

    Exactly one day is the grid's Tab stop: the selected day if it is in this month, else the
    month's first day with free times, else its first day.

    >>> cells = month_cells("2026-12", {"2026-12-02": [SlotChoice("", "", "", "", "")]}, "")
    >>> len(cells), cells[0].iso, cells[1].label, [c.iso for c in cells if c.available]
    (35, '', '1', ['2026-12-02'])
    >>> [c.iso for c in cells if c.tab_stop], cells[2].aria, cells[1].aria
    (['2026-12-02'], 'Wednesday, 2 December 2026, 1 time free', 'Tuesday, 1 December 2026, no times')
    >>> [c.iso for c in month_cells("2026-12", {}, "") if c.tab_stop]
    ['2026-12-01']
    """
    first = date.fromisoformat(month + "-01")
    following = (first + timedelta(days=32)).replace(day=1)
    days = [first + timedelta(days=n) for n in range((following - first).days)]
    isos = [day.isoformat() for day in days]
    stop = (selected_day if selected_day in isos else None) or next(
        (iso for iso in isos if slots_by_day.get(iso)), isos[0])
    cells = [DayCell("", "", False, False, "")] * first.weekday()
    for day, iso in zip(days, isos):
        free = len(slots_by_day.get(iso, ()))
        offer = f"{free} time{'s' if free != 1 else ''} free" if free else "no times"
        aria = f"{day:%A}, {day.day} {day:%B %Y}, {offer}"
        cells.append(DayCell(iso, str(day.day), free > 0, iso == selected_day, aria, iso == stop))
    cells += [DayCell("", "", False, False, "")] * (-len(cells) % 7)
    return cells


def month_weeks(month: str, slots_by_day: dict[str, list[SlotChoice]], selected_day: str) -> list[list[DayCell]]:
    """``month_cells`` as the grid's rows, one per week.

    >>> [len(week) for week in month_weeks("2027-02", {}, "")]
    [7, 7, 7, 7]
    """
    cells = month_cells(month, slots_by_day, selected_day)
    return [cells[n:n + 7] for n in range(0, len(cells), 7)]


def shift_month(month: str, step: int) -> str:
    """The month ``step`` months after ``month``.

    >>> shift_month("2026-12", 1), shift_month("2026-01", -1)
    ('2027-01', '2025-12')
    """
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + step, 12)
    return f"{year:04d}-{number + 1:02d}"


def month_title(month: str) -> str:
    """The calendar's heading for ``month``.

    >>> month_title("2026-12")
    'December 2026'
    """
    return f"{date.fromisoformat(month + '-01'):%B %Y}"


def day_title(iso: str) -> str:
    """The heading above a date's slots.

    >>> day_title("2026-12-01")
    'Tuesday 1 December'
    """
    day = date.fromisoformat(iso)
    return f"{day:%A} {day.day} {day:%B}"
