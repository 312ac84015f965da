"""What a builder sees of their bookings and revenue. Every function takes the acting user
and reads only that builder's data (``builder_of`` refuses anyone else)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import col, func, or_, select

from booking_app import messages
from booking_app.bookings import view as booking_view
from booking_app.bookings.reschedule import reschedule_as_builder
from booking_app.bookings.events import TimelineEntry
from booking_app.bookings.queries import BookingDetails
from booking_app.db import read_session
from booking_app.errors import InvalidInput
from booking_app.formatting import clock_time, format_span
from booking_app.bookings.customer import format_phone
from booking_app.offers.terms import describe_answer
from booking_app.models import Attendance, Booking, BookingStatus, Builder, Payment, PaymentStatus, Refund, RefundStatus, SessionType
from booking_app.money import format_money, from_minor_units
from booking_app.scheduling import service
from booking_app.scheduling.slots import load_timezone

TABS = ("upcoming", "past", "cancelled")
PAGE_SIZE = 10
EARNING = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class BookingRow:
    id: int
    customer: str
    email: str
    session_type: str
    when: str  # in the builder's zone
    status: str
    payment_status: str  # of the latest Checkout attempt; "free" for free sessions
    amount: str
    reference: str  # Stripe PaymentIntent id, else the Checkout Session id
    attendance: str = ""  # completed | no_show, once marked after the start


@dataclass(frozen=True)
class BookingPage:
    rows: list[BookingRow]
    total: int
    page: int
    pages: int


def _latest_attempt_failed():
    """The hold's latest Checkout attempt failed (a delayed payment that did not go through):
    the hold lasts for another try, but it is no booking to prepare for."""
    attempt, newer = aliased(Payment), aliased(Payment)
    later_attempt = select(newer.id).where(newer.booking_id == Booking.id, newer.id > attempt.id).exists()
    return select(attempt.id).where(attempt.booking_id == Booking.id, attempt.status == PaymentStatus.FAILED,
                                    ~later_attempt).exists()


def _tab_filter(tab: str, now: datetime):
    if tab == "upcoming":
        return col(Booking.status).in_(BookingStatus.active()) & (Booking.end_at >= now) & or_(
            Booking.status == BookingStatus.CONFIRMED, (Booking.hold_expires_at > now) & ~_latest_attempt_failed())
    if tab == "past":
        return (Booking.status == BookingStatus.CONFIRMED) & (Booking.end_at < now)
    if tab == "cancelled":
        return Booking.status == BookingStatus.CANCELLED
    raise ValueError(f"unknown tab {tab!r}")


def _row(view: booking_view.BookingView, timezone: str, hour12: bool = False) -> BookingRow:
    if view.payment_status is not None:
        payment_status = view.payment_status
    else:
        payment_status = "free" if view.is_free else "none"
    return BookingRow(view.id, view.customer_name, view.customer_email, view.session_type_title,
                      format_span(view.start, view.end, timezone, hour12=hour12), view.status, payment_status,
                      format_money(view.amount, view.currency), view.payment_reference, view.attendance or "")


def list_bookings(*, actor_user_id: int | None, tab: str, search: str = "", page: int = 1,
                  now: datetime, page_size: int = PAGE_SIZE, hour12: bool = False) -> BookingPage:
    """One page of a tab: upcoming (soonest first), past and cancelled (latest first),
    optionally only customers whose name or e-mail contains ``search``."""
    with read_session() as session:
        builder = service.builder_of(session, actor_user_id)
        where = [Booking.builder_id == builder.id, _tab_filter(tab, now)]
        words = search.strip()[:100]
        if words:
            pattern = f"%{words.lower()}%"
            where.append(or_(func.lower(Booking.customer_name).like(pattern),
                             func.lower(Booking.customer_email).like(pattern)))
        total = session.exec(select(func.count()).select_from(Booking).where(*where)).one()
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        order = Booking.start_at.asc() if tab == "upcoming" else Booking.start_at.desc()
        found = session.exec(
            select(Booking, SessionType).join(SessionType, col(SessionType.id) == Booking.session_type_id)
            .where(*where).order_by(order, Booking.id).offset((page - 1) * page_size).limit(page_size)
        ).all()
        views = booking_view.build(session, [BookingDetails(b, k, builder) for b, k in found], now=now)
        rows = [_row(view, builder.timezone, hour12) for view in views]
    return BookingPage(rows, total, page, pages)


@dataclass(frozen=True)
class TimelineItem:
    when: str  # in the builder's zone
    title: str
    detail: str
    tone: str  # a colour: green (money in / confirmed), blue (money back), amber (waiting), red (needs attention)


@dataclass(frozen=True)
class BookingDetail:
    row: BookingRow
    token_hint: str
    notes: str
    customer_timezone: str
    when_customer: str
    paid: str  # what was paid and not refunded or promised back
    refunded: str
    refund_pending: str  # promised, on its way ("" = none)
    refund_attention: str  # refused by Stripe or given up ("" = none)
    refund_on_cancel: str  # what "Cancel and refund" would refund now ("" = nothing)
    can_cancel: bool
    cancellation_reason: str
    timeline: list[TimelineItem]
    builder_timezone: str = ""  # the zone of the timeline's times
    session_type_id: int = 0
    can_reschedule: bool = False  # confirmed and not started: the builder may move it
    local_date: str = ""  # the booking's date in the builder's zone ("2026-12-01")
    can_mark_attendance: bool = False  # confirmed and started: completed or no-show
    location: str = ""  # where it happens, in one line
    phone: str = ""  # the number to call, for a phone-call session
    answers: list[list[str]] = field(default_factory=list)  # [question, answer] pairs
    has_money: bool = True  # a payment was ever taken or attempted: show paid/refunded and the reference


def booking_detail(*, actor_user_id: int | None, booking_id: int, now: datetime, hour12: bool = False) -> BookingDetail:
    """One booking of the acting builder, with its timeline and what cancelling it now would
    refund (everything paid and not yet refunded or promised back)."""
    found = booking_view.for_builder(actor_user_id=actor_user_id, booking_id=booking_id, now=now)
    view, zone = found.booking, found.booking.builder.timezone
    can_cancel = view.status in BookingStatus.active()
    def money(amount: int, *, blank_if_none: bool = False) -> str:
        return "" if blank_if_none and not amount else format_money(amount, view.currency, zero=None)

    return BookingDetail(
        row=_row(view, zone, hour12), token_hint=view.token[:6], notes=view.notes,
        customer_timezone=view.customer_timezone,
        when_customer=format_span(view.start, view.end, view.customer_timezone, hour12=hour12),
        paid=money(view.kept), refunded=money(view.refunded),
        refund_pending=money(view.refund_pending, blank_if_none=True),
        refund_attention=money(view.refund_needs_attention, blank_if_none=True),
        refund_on_cancel=format_money(view.kept, view.currency) if can_cancel and view.kept else "",
        can_cancel=can_cancel, cancellation_reason=view.cancellation_reason,
        timeline=[_timeline_item(entry, zone, hour12) for entry in found.timeline], builder_timezone=zone,
        session_type_id=view.session_type_id,
        can_reschedule=view.status == BookingStatus.CONFIRMED and now < view.start,
        local_date=view.start.astimezone(load_timezone(zone)).date().isoformat(),
        can_mark_attendance=view.status == BookingStatus.CONFIRMED and now >= view.start,
        location=view.location, phone=view.customer_phone and format_phone(view.customer_phone) or "",
        answers=[[answer["question"], describe_answer(answer)] for answer in view.answers],
        has_money=not view.is_free or bool(view.payment_reference) or view.kept > 0 or view.refunded > 0,
    )


def move_booking(actor_user_id: int | None, booking_id: int, start_iso: str, message: str, now: datetime) -> None:
    """"Move booking" in the details: the builder's reschedule (any free time before the start)."""
    if not start_iso:
        raise InvalidInput("start", messages.PICK_NEW_TIME)
    reschedule_as_builder(actor_user_id=actor_user_id, booking_id=booking_id, start=datetime.fromisoformat(start_iso),
                          now=now, message=message)


_WHO = {"customer": "the customer", "builder": "you", "system": "Makerhours", "stripe": "Stripe"}


def _timeline_item(entry: TimelineEntry, timezone: str, hour12: bool = False) -> TimelineItem:
    amount = format_money(entry.amount, entry.currency) if entry.amount is not None and entry.currency else ""
    titles = {
        "held": ("Time held while the customer pays", "amber"),
        "checkout_opened": ("Checkout opened", "gray"),
        "payment_processing": ("Payment processing", "amber"),
        "payment_failed": ("Payment failed", "red"),
        "paid": (f"Paid {amount}".strip(), "green"),
        "confirmed": ("Booking confirmed", "green"),
        "expired": ("Hold expired", "gray"),
        "cancelled": (f"Cancelled by {_WHO.get(entry.actor, entry.actor)}", "gray"),
        "refund_requested": (f"Refund of {amount} requested".replace("  ", " "), "amber"),
        "refund_retrying": ("Refund waiting for Stripe — retrying", "amber"),
        "refund_succeeded": (f"Refund of {amount} completed".replace("  ", " "), "blue"),
        "refund_failed": ("Refund failed — needs your attention", "red"),
        "refund_reconciled": ("Refund reconciled with Stripe", "blue"),
        "rescheduled": (f"Moved by {_WHO.get(entry.actor, entry.actor)}", "blue"),
        "email_sent": ("E-mail sent", "gray"),
        "email_failed": ("E-mail not delivered", "red"),
        "reminders_off": ("The customer turned reminders off", "gray"),
        "attendance_marked": (f"Marked {entry.detail}" if entry.detail else "Attendance marked", "gray"),
    }
    title, tone = titles.get(entry.kind, (entry.kind.replace("_", " ").capitalize(), "gray"))
    local = entry.at.astimezone(load_timezone(timezone))
    when = f"{local.day} {local:%b %Y}, {clock_time(local, hour12, seconds=True)}"
    return TimelineItem(when, title, entry.detail, tone)


@dataclass(frozen=True)
class DayRevenue:
    day: str  # "24 Nov"
    net: float  # major units of the main currency, for the chart


@dataclass(frozen=True)
class Revenue:
    currency: str  # the builder's main currency (most money taken); the chart is in it
    this_month: str
    last_30_days: str
    refunds_30_days: str
    bookings_30_days: int
    completed_30_days: int  # sessions of the last 30 days marked completed…
    no_shows_30_days: int  # …and marked no-show
    daily: list[DayRevenue]


def revenue_summary(*, actor_user_id: int | None, now: datetime) -> Revenue:
    """Money taken (payments that were paid, by the day they were paid) and refunds
    (succeeded, by the day they were made), in the builder's zone: this calendar month, the
    last 30 days, and per day for the chart."""
    with read_session() as session:
        builder = service.builder_of(session, actor_user_id)
        zone = load_timezone(builder.timezone)
        today = now.astimezone(zone).date()
        first_day = min(today.replace(day=1), today - timedelta(days=29))
        since = datetime.combine(first_day, time(0), zone)
        paid = session.exec(
            select(Payment.paid_at, Payment.amount, Payment.currency).join(Booking, col(Booking.id) == Payment.booking_id)
            .where(Booking.builder_id == builder.id, col(Payment.status).in_(EARNING), Payment.paid_at >= since)
        ).all()
        refunds = session.exec(
            select(Refund.created_at, Refund.amount, Refund.currency)
            .join(Payment, col(Payment.id) == Refund.payment_id).join(Booking, col(Booking.id) == Payment.booking_id)
            .where(Booking.builder_id == builder.id, Refund.status == RefundStatus.SUCCEEDED, Refund.created_at >= since)
        ).all()
        booked = session.exec(
            select(func.count()).select_from(Booking).where(
                Booking.builder_id == builder.id, Booking.confirmed_at >= now - timedelta(days=30))
        ).one()
        marks = dict(session.exec(
            select(Booking.attendance, func.count()).where(
                Booking.builder_id == builder.id, Booking.status == BookingStatus.CONFIRMED,
                Booking.start_at >= now - timedelta(days=30), Booking.start_at <= now,
                col(Booking.attendance).is_not(None))
            .group_by(Booking.attendance)
        ).all())
    totals: dict[str, int] = defaultdict(int)
    for _, amount, currency in paid:
        totals[currency] += amount
    currency = max(totals, key=totals.get) if totals else _default_currency(builder.id)
    month_start, window_start = today.replace(day=1), today - timedelta(days=29)
    taken_month = taken_30 = refunded_30 = 0
    daily: dict[date, int] = {window_start + timedelta(days=n): 0 for n in range(30)}
    for moment, amount, cur in paid:
        day = moment.astimezone(zone).date()
        if cur != currency:
            continue
        taken_month += amount if day >= month_start else 0
        if day >= window_start:
            taken_30 += amount
            daily[day] = daily.get(day, 0) + amount
    for moment, amount, cur in refunds:
        day = moment.astimezone(zone).date()
        if cur == currency and day >= window_start:
            refunded_30 += amount
            daily[day] = daily.get(day, 0) - amount
    return Revenue(
        currency=currency.upper(), this_month=format_money(taken_month, currency, zero=None),
        last_30_days=format_money(taken_30, currency, zero=None),
        refunds_30_days=format_money(refunded_30, currency, zero=None),
        bookings_30_days=booked, completed_30_days=marks.get(Attendance.COMPLETED, 0),
        no_shows_30_days=marks.get(Attendance.NO_SHOW, 0),
        daily=[DayRevenue(f"{day.day} {day:%b}", float(from_minor_units(net, currency))) for day, net in sorted(daily.items())],
    )


def _default_currency(builder_id: int) -> str:
    with read_session() as session:
        found = session.exec(select(SessionType.currency).where(SessionType.builder_id == builder_id)
                             .order_by(SessionType.display_order)).first()
    return found or "gbp"

