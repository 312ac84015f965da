""""My bookings" (issue 16, part 2): a signed-in customer's bookings across builders.

A customer's bookings are those made with their verified address, as a guest or signed in
(a members-only booking records the account and uses its address).
The acting customer is the holder of a valid customer session: the service takes the token,
not an id, so nobody can ask for someone else's list. Holds that ran out unpaid are left out
(nothing was booked); cancelled bookings are listed with the past ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from booking_app.accounts.customers import require_customer
from booking_app.bookings import queries, view
from booking_app.db import read_session
from booking_app.formatting import format_span
from booking_app.money import format_money

LIMIT = 200


@dataclass(frozen=True)
class MyBookings:
    email: str
    upcoming: list[view.BookingView]  # soonest first
    past: list[view.BookingView]  # latest first


def my_bookings(customer_token: str, *, now: datetime) -> MyBookings:
    """The signed-in customer's bookings; ``NotFound`` ("please sign in") without a valid session."""
    who = require_customer(customer_token, now=now)
    with read_session() as session:
        views = view.build(session, queries.of_customer(session, who.email, limit=LIMIT), now=now)
    views = [v for v in views if v.status != "expired"]  # a hold that ran out reads as expired
    upcoming = [v for v in views if v.status in ("confirmed", "pending_payment") and v.end > now]
    past = [v for v in views if v not in upcoming]
    return MyBookings(who.email, sorted(upcoming, key=lambda v: v.start), past)


STATUS_LABELS = {"confirmed": "Confirmed", "pending_payment": "Awaiting payment", "cancelled": "Cancelled",
                 "expired": "Expired"}


def _payment(v: view.BookingView) -> str:
    if v.is_free:
        return "Free"
    if v.refunded:
        return f"Refunded {format_money(v.refunded, v.currency)}"
    if v.refund_pending:
        return f"Refund of {format_money(v.refund_pending, v.currency)} on its way"
    if v.paid:
        return f"Paid {format_money(v.paid, v.currency)}"
    return f"Unpaid ({format_money(v.amount, v.currency)})"


@dataclass(frozen=True)
class Row:
    """What the page shows of one booking, in the customer's own time zone as they booked it."""

    token: str
    title: str
    builder: str
    when: str
    timezone: str
    status: str
    status_label: str
    payment: str
    url: str  # the booking's private page: open, pay, reschedule, cancel
    can_cancel: bool
    can_reschedule: bool
    pay: bool
    open_label: str  # the accessible name of its "Open" link


def rows(found: list[view.BookingView]) -> list[Row]:
    return [Row(token=v.token, title=v.session_type_title, builder=v.builder.name,
                when=format_span(v.start, v.end, v.customer_timezone), timezone=v.customer_timezone,
                status=v.status, status_label=STATUS_LABELS.get(v.status, v.status), payment=_payment(v),
                url=f"/booking/{v.token}/", can_cancel=v.customer_can_cancel,
                can_reschedule=v.customer_can_reschedule, pay=v.status == "pending_payment",
                open_label=f"Open the booking: {v.session_type_title}") for v in found]
