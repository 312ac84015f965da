"""An iCalendar (.ics) file for a booking, so customers can add it to any calendar app."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

from booking_app.bookings.queries import BookingDetails
from booking_app.models import BookingStatus, LocationKind
from booking_app.offers.terms import Location, describe_answer
from booking_app.settings import get_settings
from booking_app.urls import booking_page_url

_EVENT_STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.PENDING_PAYMENT: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.EXPIRED: "CANCELLED",
}


def event_uid(token: str) -> str:
    """Stable per booking, but not the token itself: calendar files get forwarded, and the
    token is the key to managing the booking."""
    host = urlsplit(get_settings().app_url).hostname or "localhost"
    return f"{hashlib.sha256(token.encode()).hexdigest()[:32]}@{host}"


def booking_calendar(details: BookingDetails, *, now: datetime) -> bytes:
    """The booking to download and add to a calendar (``METHOD:PUBLISH``)."""
    return _calendar(details, method="PUBLISH", now=now).to_ical()


def booking_invitation(details: BookingDetails, *, method: str, sequence: int, now: datetime) -> bytes:
    """The invitation mailed to the customer: ``METHOD:REQUEST`` adds or updates the event in
    their calendar app, ``METHOD:CANCEL`` removes it — matched by the booking's stable UID,
    the higher ``SEQUENCE`` winning. The organizer is the builder, reached through the app's
    own address (``EMAIL_FROM``); the customer is the attendee."""
    calendar = _calendar(details, method=method, now=now)
    event = calendar.walk("VEVENT")[0]
    event.add("sequence", sequence)
    sender = parseaddr(get_settings().email_from)[1]
    organizer = vCalAddress(f"mailto:{sender}")
    organizer.params["cn"] = vText(_one_line(details.builder.display_name))
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{details.booking.customer_email}")
    attendee.params.update({"cn": vText(_one_line(details.booking.customer_name)), "role": vText("REQ-PARTICIPANT"),
                            "partstat": vText("ACCEPTED"), "rsvp": vText("FALSE")})
    event.add("attendee", attendee)
    if method == "CANCEL":
        event["status"] = vText("CANCELLED")
    return calendar.to_ical()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _calendar(details: BookingDetails, *, method: str, now: datetime) -> Calendar:
    booking, session_type, builder = details.booking, details.session_type, details.builder
    manage_url = booking_page_url(booking.public_token)
    calendar = Calendar()
    calendar.add("prodid", "-//Makerhours//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", event_uid(booking.public_token))
    event.add("dtstamp", now)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("summary", f"{session_type.title} with {builder.display_name}")
    description = [session_type.description] if session_type.description else []
    if booking.customer_notes:
        description.append(f"Your notes: {booking.customer_notes}")
    # Where it happens is for a confirmed booking only (a hold has not paid for the address).
    location = (Location(booking.location_kind, booking.location_detail)
                if booking.status == BookingStatus.CONFIRMED else None)
    where = location.calendar_location(phone=booking.customer_phone) if location is not None else None
    if where:
        event.add("location", _one_line(where))
    if location is not None and location.kind == LocationKind.BUILDER_SENDS:
        description.append(location.describe(builder=builder.display_name))
    description.append(f"View, add to your calendar or cancel: {manage_url}")
    event.add("description", "\n\n".join(description))
    # A video call's link is what the calendar app should offer to open.
    event.add("url", location.url if location is not None and location.url else manage_url)
    event.add("status", _EVENT_STATUS[booking.status])
    calendar.add_component(event)
    return calendar


def builder_event(details: BookingDetails, *, now: datetime) -> Event:
    """A booking as an event of the builder's own calendar (the private feed, the CalDAV
    write-back): the customer's name in the summary, their details in the description. The
    UID is the one of the customer's invitation, and SEQUENCE grows with each change."""
    booking, session_type, builder = details.booking, details.session_type, details.builder
    dashboard = f"{get_settings().app_url}/dashboard/"
    event = Event()
    event.add("uid", event_uid(booking.public_token))
    event.add("dtstamp", now)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("sequence", booking.calendar_sequence)
    event.add("summary", _one_line(f"{session_type.title} — {booking.customer_name}"))
    where = Location(booking.location_kind, booking.location_detail).calendar_location(phone=booking.customer_phone)
    if where:
        event.add("location", _one_line(where))
    lines = [f"Customer: {booking.customer_name} <{booking.customer_email}>"]
    if booking.customer_phone:
        lines.append(f"Phone: {booking.customer_phone}")
    lines += [f"{answer['question']}: {describe_answer(answer)}" for answer in booking.answers]
    if booking.customer_notes:
        lines.append(f"Notes: {booking.customer_notes}")
    lines.append(f"Details, cancel or move: {dashboard}")
    event.add("description", "\n".join(lines))
    event.add("url", dashboard)
    event.add("status", "CONFIRMED")
    return event


def builder_calendar(events: list[Event], *, name: str) -> bytes:
    """A ``METHOD:PUBLISH`` calendar of the builder's events (the private feed)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Makerhours//Bookings feed//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _one_line(name))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def single_event_calendar(event: Event) -> bytes:
    """One event as a calendar resource (what a CalDAV server stores per event)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Makerhours//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical()
