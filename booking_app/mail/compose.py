"""Writing the mails: what each one says (``_content``), in plain text and HTML from the
templates beside this module, with the headers a mail provider expects and, for the
customer's confirmation and cancellation, the calendar invitation.

A mail is written when it is sent, from the booking as it is then and the facts its job
carries from the moment it was promised (the calendar SEQUENCE, the refund amount).
Everything that reaches a header is one line: names and titles come from people, and CR/LF
in them must never become a header of their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session, select

from booking_app.bookings import notices, queries, view
from booking_app.bookings.queries import BookingDetails
from booking_app.calendar_ics import booking_invitation
from booking_app.formatting import format_moment, format_span
from booking_app.models import Booking, BookingStatus, User
from booking_app.money import format_money
from booking_app.bookings.customer import format_phone
from booking_app.offers.terms import describe_answer, describe_cancellation, tiers_of
from booking_app.settings import get_settings
from booking_app.urls import booking_page_url, sign_in_url, sign_up_confirm_url

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         keep_trailing_newline=True)
SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class Content:
    subject: str
    heading: str
    lines: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)
    button: tuple[str, str] | None = None
    footer: str = "You get this e-mail because of a booking made on Makerhours."
    unsubscribe: str | None = None
    invitation: tuple[str, int] | None = None  # (METHOD, SEQUENCE) of the .ics to attach

    @property
    def preheader(self) -> str:
        return self.lines[0] if self.lines else self.heading


@dataclass(frozen=True)
class Composed:
    message: EmailMessage
    recipient: str
    subject: str
    booking_id: int | None  # None for a mail about no booking (sign-up, a disabled webhook endpoint)


def one_line(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """Whitespace (CR and LF included) folded to single spaces, cut at ``limit``."""
    return " ".join(str(text).split())[:limit]


def compose(payload: dict[str, Any], *, job_key: str, now: datetime) -> Composed | None:
    """The mail a job promises, or None when there is nobody to send it to any more (the
    booking or the builder's account was deleted)."""
    from booking_app.db import read_session

    if payload["template"] == "your_bookings":
        return _your_bookings(payload, job_key=job_key, now=now)
    if payload["template"] in ACCOUNT_MAILS:
        return _account_mail(payload, job_key=job_key, now=now)
    if payload["template"] == "customer_sign_in":  # customer accounts (issue 16)
        return _customer_sign_in(payload, job_key=job_key, now=now)
    if payload["template"] == "webhook_disabled":  # integrations (issue 17)
        return _webhook_disabled(payload, job_key=job_key, now=now)
    booking_id = int(payload["booking_id"])
    with read_session() as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            return None
        if payload["template"] == "reminder" and not notices.reminder_still_due(booking, payload.get("start"), now=now):
            return None
        details = queries.by_token(session, booking.public_token)
        current = view.build(session, [details], now=now)[0]
        builder_email = _builder_email(session, details)
    if payload["recipient"] == "builder":
        if builder_email is None:
            return None
        name, address, zone = details.builder.display_name, builder_email, details.builder.timezone
    else:
        name, address, zone = booking.customer_name, booking.customer_email, booking.customer_timezone
    content = _content(payload, details, current, zone)
    message = _message(content, to=(name, address), job_key=job_key, now=now)
    if content.invitation is not None:
        method, sequence = content.invitation
        message.add_attachment(booking_invitation(details, method=method, sequence=sequence, now=now),
                               maintype="text", subtype="calendar", filename="invite.ics",
                               params={"method": method})
    return Composed(message, address, str(message["Subject"]), booking_id)


def _your_bookings(payload: dict[str, Any], *, job_key: str, now: datetime) -> Composed | None:
    """"Find my bookings": the manage links of an address's upcoming bookings (None when it
    has none — the person asking was told the same either way)."""
    from booking_app.db import read_session

    address = payload["email"]
    with read_session() as session:
        live = queries.upcoming_for_email(session, address, now=now)
    if not live:
        return None
    latest = live[0].booking
    facts = [(_short(d, d.booking.customer_timezone) + (" (unpaid)" if d.booking.status != BookingStatus.CONFIRMED
                                                         else ""),
              f"{_title(d)} — {booking_page_url(d.booking.public_token)}") for d in live]
    count = f"{len(live)} upcoming booking{'s' if len(live) != 1 else ''}"
    content = Content(subject=f"Your bookings on Makerhours ({count})", heading="Your bookings",
                      lines=[f"Someone (we hope you) asked for the links to the bookings made with {address}. "
                             + (f"Here are your {count}; each link" if len(live) > 1 else "Here is your upcoming "
                                "booking; its link") + " lets you see or cancel it.",
                             "If you did not ask, you can ignore this e-mail: nothing has changed."],
                      facts=facts, button=("Open the next one", booking_page_url(latest.public_token)))
    message = _message(content, to=(latest.customer_name, address), job_key=job_key, now=now)
    return Composed(message, address, str(message["Subject"]), latest.id)


ACCOUNT_FOOTER = "You get this e-mail because someone entered this address on Makerhours' sign-up page."
ACCOUNT_MAILS = ("confirm_sign_up", "account_exists")


def _account_mail(payload: dict[str, Any], *, job_key: str, now: datetime) -> Composed:
    """The sign-up's answer, to the address itself: the link that creates the account, or
    (the address has one) the way to sign in. The form said the same in both cases."""
    address = payload["email"]
    if payload["template"] == "confirm_sign_up":
        content = Content(
            subject="Finish creating your Makerhours account", heading="Confirm your e-mail address",
            lines=["Someone (we hope you) asked to create a builder account on Makerhours with this address. "
                   "Open the link to finish: it works once, for 24 hours.",
                   "If it was not you, ignore this e-mail: no account is created."],
            button=("Finish creating my account", sign_up_confirm_url(payload["token"])), footer=ACCOUNT_FOOTER)
        name = payload.get("name", "")
    else:
        content = Content(
            subject="You already have a Makerhours account", heading="You already have an account",
            lines=["Someone (we hope you) tried to create a builder account on Makerhours with this address, "
                   "which has one already. Sign in with it instead.",
                   "If you forgot your password, ask the site's operator to reset it. If it was not you, ignore "
                   "this e-mail: nothing has changed."],
            button=("Sign in", sign_in_url()), footer=ACCOUNT_FOOTER)
        name = ""
    message = _message(content, to=(name, address), job_key=job_key, now=now)
    return Composed(message, address, str(message["Subject"]), None)


CUSTOMER_SIGN_IN_FOOTER = "You get this e-mail because someone entered this address to sign in on Makerhours."


def _customer_sign_in(payload: dict[str, Any], *, job_key: str, now: datetime) -> Composed:
    """A customer's sign-in: the 6-digit code and the one-time link (both work once, 15 minutes)."""
    from booking_app.urls import customer_sign_in_link

    address, code = payload["email"], payload["code"]
    content = Content(
        subject=f"Your Makerhours sign-in code: {code}", heading="Sign in to Makerhours",
        lines=[f"Your sign-in code is {code}. Enter it on the page where you asked for it, or open the link below. "
               "Both work once, for 15 minutes.",
               "If you did not ask to sign in, ignore this e-mail: nobody can sign in without the code."],
        facts=[("Code", code)], button=("Sign in", customer_sign_in_link(payload["token"], payload.get("next")
                                                                          or "/account/")),
        footer=CUSTOMER_SIGN_IN_FOOTER)
    message = _message(content, to=("", address), job_key=job_key, now=now)
    return Composed(message, address, str(message["Subject"]), None)


def _webhook_disabled(payload: dict[str, Any], *, job_key: str, now: datetime) -> Composed | None:
    """To a builder: a webhook endpoint failed for a day and was disabled."""
    from booking_app.db import read_session
    from booking_app.models import Builder

    with read_session() as session:
        found = session.exec(select(Builder.display_name, User.email).join(User, User.id == Builder.user_id)
                             .where(Builder.id == int(payload["builder_id"]))).first()
    if found is None:
        return None
    name, address = found
    content = Content(
        subject="A webhook endpoint was disabled", heading="Your webhook endpoint was disabled",
        lines=[f"Every delivery to {one_line(payload['url'], 300)} failed for a day, so we stopped sending to it.",
               "Events from now on are not sent there until you enable it again on the Developers page; the "
               "delivery log shows what it answered, and you can resend what it missed."],
        facts=[("Endpoint", one_line(payload["url"], 300)), ("Reason", one_line(payload.get("reason", ""), 500))],
        button=("Open the Developers page", f"{get_settings().app_url}/dashboard/developers/"),
        footer="You get this e-mail because you registered a webhook endpoint on Makerhours.")
    message = _message(content, to=(name, address), job_key=job_key, now=now)
    return Composed(message, address, str(message["Subject"]), None)


def _builder_email(session: Session, details: BookingDetails) -> str | None:
    return session.exec(select(User.email).where(User.id == details.builder.user_id)).first()


def _message(content: Content, *, to: tuple[str, str], job_key: str, now: datetime) -> EmailMessage:
    settings = get_settings()
    sender_name, sender_address = parseaddr(settings.email_from)
    host = urlsplit(settings.app_url).hostname or "localhost"
    message = EmailMessage()
    message["Subject"] = one_line(content.subject)
    message["From"] = Address(one_line(sender_name), addr_spec=sender_address)
    message["To"] = Address(one_line(to[0]), addr_spec=to[1])
    message["Date"] = format_datetime(now)
    # Stable per promised mail: a job sent twice (a crash after SMTP took it) has one id.
    message["Message-ID"] = f"<{hashlib.sha256(job_key.encode()).hexdigest()[:32]}@{host}>"
    message["Auto-Submitted"] = "auto-generated"
    if content.unsubscribe:
        message["List-Unsubscribe"] = f"<{content.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_TEMPLATES.get_template("mail.txt").render(mail=content))
    message.add_alternative(_TEMPLATES.get_template("mail.html").render(mail=content), subtype="html")
    return message


def _when(details: BookingDetails, zone: str) -> str:
    return format_span(details.booking.start_at, details.booking.end_at, zone)


def _title(details: BookingDetails) -> str:
    return one_line(f"{details.session_type.title} with {details.builder.display_name}")


def _short(details: BookingDetails, zone: str) -> str:
    from booking_app.scheduling.slots import load_timezone

    local = details.booking.start_at.astimezone(load_timezone(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _where(current: view.BookingView) -> list[tuple[str, str]]:
    return [("Where", current.location)] if current.location else []


def _answers(booking: Booking) -> list[tuple[str, str]]:
    """The customer's answers to the session type's questions, each under its question."""
    return [(one_line(answer["question"], 200), describe_answer(answer)) for answer in booking.answers]


def _content(payload: dict[str, Any], details: BookingDetails, current: view.BookingView, zone: str) -> Content:
    template, booking, builder = payload["template"], details.booking, details.builder
    manage = ("Manage your booking", booking_page_url(booking.public_token))
    when = [("When", _when(details, zone))]
    if booking.customer_timezone != builder.timezone:
        other = builder.timezone if payload["recipient"] == "customer" else booking.customer_timezone
        label = f"{builder.display_name}'s time" if payload["recipient"] == "customer" else "Customer's time"
        when.append((one_line(label), _when(details, other)))
    price = "Free" if booking.amount == 0 else format_money(booking.amount, booking.currency)
    if template == "booking_confirmed":
        receipt = ([("Paid", f"{price} — receipt reference {current.payment_reference}")]
                   if current.paid else [("Price", price)])
        policy = "Cancelling: " + describe_cancellation(tiers_of(booking.refund_tiers), booking.cancel_cutoff_hours,
                                                         is_free=booking.amount == 0)
        return Content(
            subject=f"Booked: {_title(details)}, {_short(details, zone)}",
            heading="You're booked",
            lines=[f"{_title(details)} is confirmed. The invitation is attached: open it to add the session "
                   "to your calendar.", policy],
            facts=[("Session", _title(details)), *when, *_where(current), *receipt, *_answers(booking)], button=manage,
            invitation=("REQUEST", int(payload.get("sequence", 0))),
        )
    if template == "new_booking":
        facts = [("Customer", f"{booking.customer_name} <{booking.customer_email}>"), ("Session", details.session_type.title),
                 *when, ("Paid" if current.paid else "Price", price)]
        if booking.customer_phone:
            facts.append(("Phone", format_phone(booking.customer_phone)))
        if booking.customer_notes:
            facts.append(("Notes", booking.customer_notes))
        facts += [*_answers(booking), *_where(current)]
        return Content(
            subject=f"New booking: {one_line(booking.customer_name, 80)}, {details.session_type.title}, "
                    f"{_short(details, zone)}",
            heading="New booking", lines=[f"{booking.customer_name} booked {details.session_type.title}."],
            facts=facts, button=("Open your dashboard", f"{get_settings().app_url}/dashboard/"),
            footer="You get this e-mail because you offer sessions on Makerhours.",
        )
    if template == "booking_cancelled":
        by, refund = payload.get("by"), int(payload.get("refund") or 0)
        who = {"customer": "You" if payload["recipient"] == "customer" else booking.customer_name,
               "builder": "You" if payload["recipient"] == "builder" else builder.display_name}.get(by, "Makerhours")
        lines = [f"{who} cancelled {_title(details)} on {_when(details, zone)}."]
        if booking.cancellation_reason and by == "builder" and payload["recipient"] == "customer":
            lines.append(f"Message from {builder.display_name}: “{booking.cancellation_reason}”")
        if booking.cancellation_reason and by == "customer" and payload["recipient"] == "builder":
            lines.append(f"Their reason: “{booking.cancellation_reason}”")
        money = format_money(refund, booking.currency)
        if payload["recipient"] == "customer":
            lines.append(f"{money} is being refunded to your original payment method; it usually shows within "
                         "5–10 days." if refund else "No refund is due for this booking.")
            return Content(subject=f"Cancelled: {_title(details)}, {_short(details, zone)}", heading="Booking cancelled",
                           lines=lines, facts=when,
                           button=("Book again", f"{get_settings().app_url}/book/{builder.slug}/?type={details.session_type.slug}"),
                           invitation=("CANCEL", int(payload.get("sequence", 1))))
        lines.append(f"The customer is refunded {money}." if refund else "Nothing is refunded.")
        return Content(subject=f"Cancelled: {one_line(booking.customer_name, 80)}, {details.session_type.title}, "
                               f"{_short(details, zone)}", heading="Booking cancelled", lines=lines, facts=when,
                       button=("Open your dashboard", f"{get_settings().app_url}/dashboard/"),
                       footer="You get this e-mail because you offer sessions on Makerhours.")
    if template == "booking_moved":
        old = datetime.fromisoformat(payload["old_start"])
        was = format_span(old, old + (booking.end_at - booking.start_at), zone)
        by, to_customer = payload.get("by"), payload["recipient"] == "customer"
        who = ("You" if by == "customer" else builder.display_name) if to_customer else (
            "You" if by == "builder" else booking.customer_name)
        lines = [f"{who} moved {_title(details)}. New time: {_when(details, zone)} (was {was})."]
        if payload.get("message") and to_customer:
            lines.append(f"Message from {builder.display_name}: “{payload['message']}”")
        if to_customer:
            lines.append("The attached invitation updates the event in your calendar.")
            return Content(subject=f"Moved: {_title(details)}, now {_short(details, zone)}", heading="New time",
                           lines=lines, facts=[*when, *_where(current)], button=manage,
                           invitation=("REQUEST", int(payload.get("sequence", 1))))
        return Content(subject=f"Moved: {one_line(booking.customer_name, 80)}, {details.session_type.title}, "
                               f"now {_short(details, zone)}", heading="Booking moved", lines=lines, facts=when,
                       button=("Open your dashboard", f"{get_settings().app_url}/dashboard/"),
                       footer="You get this e-mail because you offer sessions on Makerhours.")
    if template == "refund_completed":
        amount = format_money(int(payload["amount"]), payload["currency"])
        why = payload.get("reason") or ""
        # A cancellation explains itself; a late or second payment needs its reason said.
        explain = [why] if why and not why.startswith("Cancelled by") else []
        return Content(subject=f"Refund of {amount} completed", heading="Your refund is on its way to you",
                       lines=[*explain, f"We refunded {amount} for {_title(details)} ({_when(details, zone)}) to your "
                              "original payment method. Depending on your bank it shows within 5–10 days."],
                       facts=[("Refund", amount), ("Booking", _title(details))], button=manage)
    if template == "reminder":
        hours = int(payload["hours"])
        soon = f"in {hours} hour{'s' if hours != 1 else ''}"
        unsubscribe = f"{get_settings().app_url}/api/bookings/{booking.public_token}/reminders/off"
        return Content(subject=f"Reminder: {_title(details)} {soon}, {_short(details, zone)}",
                       heading=f"Your session starts {soon}",
                       lines=[f"{_title(details)} starts {soon}: {_when(details, zone)}."],
                       facts=[*when, *_where(current)], button=manage, unsubscribe=unsubscribe,
                       footer="You get this reminder because of a booking made on Makerhours.")
    if template == "payment_failed":
        until = format_moment(booking.hold_expires_at, zone) if booking.hold_expires_at else ""
        return Content(subject=f"Payment failed: {_title(details)}", heading="Your payment did not go through",
                       lines=[f"The payment for {_title(details)} failed. Your time is held until {until}: "
                              "you can try again with another payment method."],
                       facts=[*when, ("Price", price)], button=("Try again", booking_page_url(booking.public_token)))
    raise ValueError(f"unknown mail template {template!r}")
