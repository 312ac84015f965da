"""``BookingView``: one read model of a booking for every place that shows one — the
customer's confirmation page, the JSON API and the builder's dashboard (list and details).

Money is derived once, here: what was paid, what went back, what is on its way back, what a
refund needs a person for, and what cancelling now would refund.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking_app import messages
from booking_app.bookings import events, policy, queries
from booking_app.bookings.customer import format_phone
from booking_app.bookings.queries import BookingDetails
from booking_app.db import read_session
from booking_app.offers.terms import Location, describe_refund_tiers, tiers_of
from booking_app.models import Booking, Job, JobStatus, Payment, PaymentStatus, Refund, RefundStatus
from booking_app.payments.refunds import REFUND_JOB
from booking_app.urls import booking_page_url, calendar_file_url

_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
_ON_ITS_WAY = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
_NEEDS_ATTENTION = (RefundStatus.FAILED, RefundStatus.CANCELED)


@dataclass(frozen=True)
class BuilderSummary:
    slug: str
    name: str
    headline: str
    bio: str
    photo_url: str | None
    timezone: str


@dataclass(frozen=True)
class BookingView:
    id: int
    token: str
    status: str  # pending_payment | confirmed | expired | cancelled
    start: datetime
    end: datetime
    customer_timezone: str
    customer_name: str
    customer_email: str
    notes: str
    session_type_title: str
    session_type_slug: str
    duration_minutes: int
    builder: BuilderSummary
    amount: int  # the price, frozen when booked (minor units)
    currency: str
    refund_tiers: list[dict]  # frozen when booked: [{"hours_before", "percent"}], most notice first
    refund_policy: str  # the tiers in one sentence
    cancel_cutoff_hours: int  # the customer cannot cancel later than this before the start (0: until the start)
    hold_expires_at: datetime | None  # a hold that ran out reads as expired (``status``)
    payment_status: str | None  # the latest Checkout attempt; None when none was started
    payment_reference: str  # Stripe PaymentIntent id of the latest attempt, else its Checkout Session id
    payment_failure: str
    paid: int  # taken by successful payments
    refunded: int  # back with the customer (succeeded refunds)
    refund_pending: int  # promised, Stripe not done yet (retried until it is)
    refund_needs_attention: int  # refused by Stripe or given up: a person must look
    refund_if_cancelled_now: int  # what a customer cancellation now would refund
    refund_percent_if_cancelled_now: int
    refund_rate_until: datetime | None  # that percentage holds until then
    customer_can_cancel: bool
    customer_cancel_refusal: str  # why not, when not
    session_type_id: int
    customer_can_reschedule: bool  # a confirmed booking before the session type's cut-off
    customer_reschedule_refusal: str  # why not, when a confirmed booking cannot be moved by the customer
    cancelled_by: str | None
    cancellation_reason: str
    location_kind: str  # video | in_person | phone | builder_sends
    location: str  # where it happens, in one line; "" until confirmed (never before payment)
    location_url: str | None  # the video link, once confirmed
    customer_phone: str | None
    answers: list[dict]  # [{"id", "question", "kind", "answer"}]
    attendance: str | None  # completed | no_show, marked by the builder after the start
    manage_url: str
    calendar_url: str

    @property
    def is_free(self) -> bool:
        return self.amount == 0

    @property
    def kept(self) -> int:
        """Paid and neither refunded nor owed back."""
        return self.paid - self.refunded - self.refund_pending - self.refund_needs_attention

    @property
    def is_live_hold(self) -> bool:
        return self.status == "pending_payment"


def _status(booking: Booking, now: datetime) -> str:
    # A hold past its expiry is expired whether or not the sweep has marked it yet.
    if booking.status == "pending_payment" and booking.hold_expires_at is not None and booking.hold_expires_at <= now:
        return "expired"
    return str(booking.status)


def build(session: Session, found: Sequence[BookingDetails], *, now: datetime) -> list[BookingView]:
    """Views of several bookings with two more queries (their payments and their refunds)."""
    ids = [details.booking.id for details in found]
    payments: dict[int, list[Payment]] = defaultdict(list)
    refunds: dict[int, list[Refund]] = defaultdict(list)
    if ids:
        for payment in session.exec(select(Payment).where(col(Payment.booking_id).in_(ids)).order_by(Payment.attempt)):
            payments[payment.booking_id].append(payment)
        for refund, booking_id in session.exec(select(Refund, Payment.booking_id).join(Payment)
                                               .where(col(Payment.booking_id).in_(ids))):
            refunds[booking_id].append(refund)
        given_up = _given_up_refunds(session, ids)
    return [_view(details, payments[details.booking.id], refunds[details.booking.id], given_up, now)
            for details in found]


def _given_up_refunds(session: Session, booking_ids: list[int]) -> set[int]:
    """Refunds still owed whose job ran out of attempts (dead): a person must look."""
    dead = session.exec(select(Job.payload).where(col(Job.booking_id).in_(booking_ids), Job.kind == REFUND_JOB,
                                                  Job.status == JobStatus.DEAD)).all()
    return {int(payload["refund_id"]) for payload in dead if "refund_id" in payload}


def _view(details: BookingDetails, payments: list[Payment], refunds: list[Refund], given_up: set[int],
          now: datetime) -> BookingView:
    booking, kind, builder = details.booking, details.session_type, details.builder
    latest = payments[-1] if payments else None
    paid = sum(p.amount for p in payments if p.status in _PAID)
    refunded = sum(r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED)
    pending = sum(r.amount for r in refunds if r.status in _ON_ITS_WAY and r.id not in given_up)
    attention = sum(r.amount for r in refunds
                    if r.status in _NEEDS_ATTENTION or (r.status in _ON_ITS_WAY and r.id in given_up))
    status = _status(booking, now)
    refusal = policy.customer_cancel_refusal(booking, now=now) if status != "expired" else messages.HOLD_GONE
    owed = sum(r.amount for r in refunds if r.status in _ON_ITS_WAY)
    quote = policy.refund_quote(booking, paid - refunded - owed, now=now)
    can_move, move_refusal = _customer_reschedule(details, status, now)
    location = Location(booking.location_kind, booking.location_detail)
    shown = status == "confirmed"  # the place (a link, an address) is for paying customers only
    phone = format_phone(booking.customer_phone) if booking.customer_phone else None
    return BookingView(
        id=booking.id, token=booking.public_token, status=status, start=booking.start_at, end=booking.end_at,
        customer_timezone=booking.customer_timezone, customer_name=booking.customer_name,
        customer_email=booking.customer_email, notes=booking.customer_notes, session_type_title=kind.title,
        session_type_slug=kind.slug, duration_minutes=kind.duration_minutes,
        builder=BuilderSummary(builder.slug, builder.display_name, builder.headline, builder.bio, builder.photo_url,
                               builder.timezone),
        amount=booking.amount,
        currency=booking.currency, refund_tiers=list(booking.refund_tiers),
        refund_policy=describe_refund_tiers(tiers_of(booking.refund_tiers)),
        cancel_cutoff_hours=booking.cancel_cutoff_hours, hold_expires_at=booking.hold_expires_at,
        payment_status=str(latest.status) if latest else None,
        payment_reference=(latest.payment_intent_id or latest.checkout_session_id) if latest else "",
        payment_failure=(latest.failure_message or "") if latest else "",
        paid=paid, refunded=refunded, refund_pending=pending, refund_needs_attention=attention,
        refund_if_cancelled_now=quote.amount if status == "confirmed" and refusal is None else 0,
        refund_percent_if_cancelled_now=quote.percent if status == "confirmed" and refusal is None else 0,
        refund_rate_until=quote.until, customer_can_cancel=refusal is None, customer_cancel_refusal=refusal or "",
        session_type_id=kind.id, customer_can_reschedule=can_move, customer_reschedule_refusal=move_refusal,
        cancelled_by=str(booking.cancelled_by) if booking.cancelled_by else None,
        cancellation_reason=booking.cancellation_reason or "",
        location_kind=str(booking.location_kind),
        location=location.describe(phone=phone, builder=builder.display_name) if shown else "",
        location_url=location.url if shown else None, customer_phone=booking.customer_phone,
        answers=list(booking.answers), attendance=str(booking.attendance) if booking.attendance else None,
        manage_url=booking_page_url(booking.public_token), calendar_url=calendar_file_url(booking.public_token),
    )


def _customer_reschedule(details: BookingDetails, status: str, now: datetime) -> tuple[bool, str]:
    """Whether the customer may move the booking now (``policy.customer_reschedule_refusal``,
    which ``reschedule_as_customer`` applies), and why not — said only for a confirmed one."""
    if status != "confirmed":
        return False, ""
    refusal = policy.customer_reschedule_refusal(details.booking, details.session_type, now=now)
    return refusal is None, refusal or ""


def by_token(token: str, *, now: datetime) -> BookingView:
    """The customer's view, through the booking's private link; ``NotFound`` otherwise."""
    with read_session() as session:
        return build(session, [queries.by_token(session, token)], now=now)[0]


@dataclass(frozen=True)
class BuilderBookingView:
    booking: BookingView
    timeline: list[events.TimelineEntry]


def for_builder(*, actor_user_id: int | None, booking_id: int, now: datetime) -> BuilderBookingView:
    """One booking of the acting builder with its timeline; ``Forbidden`` for anyone else."""
    with read_session() as session:
        details = queries.for_builder(session, actor_user_id=actor_user_id, booking_id=booking_id)
        return BuilderBookingView(build(session, [details], now=now)[0], events.timeline(session, booking_id))
