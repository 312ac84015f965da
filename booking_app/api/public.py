"""Public routes: session types, slots, bookings and calendar files.

Thin: parse, call the scheduling service, shape the answer. Sync handlers run in FastAPI's
thread pool, so database work never blocks the event loop.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from booking_app import messages
from booking_app.api.schemas import (
    MAX_ID,
    BookingCancel,
    BookingCreate,
    BookingLookupRequest,
    BookingReschedule,
    BookingPublic,
    BuilderPublic,
    ErrorBody,
    LookupAccepted,
    Price,
    RemindersOff,
    SessionTypeList,
    SessionTypePublic,
    SlotList,
    SlotPublic,
)
from booking_app.api.customer import bearer_token
from booking_app.bookings import queries, view
from booking_app.errors import SignInRequired
from booking_app.bookings.cancel import cancel_as_customer
from booking_app.bookings.holds import HoldRequest
from booking_app.bookings.reschedule import reschedule_as_customer
from booking_app.bookings.reserve import reserve
from booking_app.bookings.lookup import send_links
from booking_app.bookings.notices import turn_off_reminders
from booking_app.bookings.view import BookingView, BuilderSummary
from booking_app.urls import booking_page_url
from booking_app.calendar_ics import booking_calendar
from booking_app.calendars.feed import feed_file
from booking_app.db import read_session
from booking_app.models import Builder, SessionType
from booking_app.money import format_money
from booking_app.offers.terms import describe_refund_tiers, tiers_of
from booking_app.scheduling import service
from booking_app.scheduling.slots import load_timezone
from booking_app.settings import get_settings

router = APIRouter(tags=["booking"])
_ERRORS = {status: {"model": ErrorBody} for status in (400, 404, 409, 413, 422, 429, 502, 503)}
Token = Annotated[str, Path(min_length=1, max_length=200)]


def _now() -> datetime:
    return datetime.now(UTC)


def _builder(builder: Builder | BuilderSummary) -> BuilderPublic:
    name = builder.name if isinstance(builder, BuilderSummary) else builder.display_name
    return BuilderPublic(slug=builder.slug, display_name=name, headline=builder.headline,
                         bio=builder.bio, photo_url=_absolute(builder.photo_url), timezone=builder.timezone)


def _absolute(url: str | None) -> str | None:
    """The photo's full address (the app stores its own photos' paths: /api/builders/…/photo)."""
    return f"{get_settings().app_url}{url}" if url and url.startswith("/") else url


def _session_type(kind: SessionType) -> SessionTypePublic:
    return SessionTypePublic(
        id=kind.id, slug=kind.slug, title=kind.title, description=kind.description,
        duration_minutes=kind.duration_minutes,
        price=Price(amount=kind.price_amount, currency=kind.currency,
                    display=format_money(kind.price_amount, kind.currency)),
        is_free=kind.is_free, seats=kind.seats, refund_tiers=kind.refund_tiers,
        refund_policy=describe_refund_tiers(tiers_of(kind.refund_tiers)),
        cancel_cutoff_hours=kind.cancel_cutoff_hours, reschedule_cutoff_hours=kind.reschedule_cutoff_hours,
        location_kind=str(kind.location_kind), questions=kind.questions, requires_sign_in=kind.requires_sign_in,
    )


@router.get("/builders/{slug}/session-types", response_model=SessionTypeList, responses=_ERRORS)
def get_session_types(slug: Annotated[str, Path(min_length=1, max_length=64)]) -> SessionTypeList:
    """A builder's profile and active session types."""
    with read_session() as session:
        builder, kinds = service.list_session_types(session, slug)
        return SessionTypeList(builder=_builder(builder), session_types=[_session_type(k) for k in kinds])


@router.get("/session-types/{session_type_id}/slots", response_model=SlotList, responses=_ERRORS)
def get_slots(
    session_type_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    start: Annotated[date, Query(description="first customer-local date, YYYY-MM-DD")],
    end: Annotated[date, Query(description="last customer-local date (included), at most 93 days on")],
    timezone: Annotated[str, Query(min_length=1, max_length=64, examples=["Europe/Paris"])],
) -> Response:
    """Free slots between two dates of the customer's calendar, as UTC and local times."""
    with read_session() as session:
        listing = service.available_slots(session, session_type_id=session_type_id, first_day=start,
                                          last_day=end, timezone=timezone, now=_now())
    # Serialised here, not by FastAPI's generic encoder (7 ms for a month of slots); the
    # document still comes from response_model.
    return Response(slot_list_json(session_type_id, listing), media_type="application/json")


def slot_list_model(session_type_id: int, listing: service.SlotListing) -> SlotList:
    """The ``SlotList`` body of a listing (the reference for ``slot_list_json``)."""
    zone = load_timezone(listing.timezone)
    slots = []
    for slot in listing.slots:
        local = slot.start.astimezone(zone)
        slots.append(SlotPublic(start=slot.start, end=slot.end, local_start=local, local_date=local.date(),
                                local_time=local.strftime("%H:%M"), seats_left=slot.seats_left))
    return SlotList(session_type_id=session_type_id, timezone=listing.timezone,
                    builder_timezone=listing.builder.timezone, slots=slots)


def slot_list_json(session_type_id: int, listing: service.SlotListing) -> str:
    """``slot_list_model(...).model_dump_json()``, byte for byte, written directly: a pydantic
    model per slot and three ``isoformat`` calls per slot were a fifth of the request.

    Pydantic writes an aware datetime as ``isoformat()`` does, a zero offset as ``Z``. Dates
    and offsets repeat from slot to slot and are formatted once; clock times come from a
    table. Slots outside the plain case (not UTC, not on a whole minute, a local offset with
    seconds) take the model.
    """
    zone = load_timezone(listing.timezone)
    days: dict[int, str] = {}
    offsets: dict[timedelta, str] = {}
    clock = _CLOCK
    parts = []
    for slot in listing.slots:
        start, end = slot.start, slot.end
        local = start.astimezone(zone)
        offset = local.utcoffset()
        if (start.tzinfo is not UTC or end.tzinfo is not UTC or start.second or start.microsecond
                or end.second or end.microsecond or offset.seconds % 60 or offset.microseconds):
            return slot_list_model(session_type_id, listing).model_dump_json()
        suffix = offsets.get(offset)
        if suffix is None:
            suffix = offsets[offset] = _offset_suffix(offset)
        start_day, end_day, local_day = start.toordinal(), end.toordinal(), local.toordinal()
        if start_day not in days:
            days[start_day] = start.date().isoformat()
        if end_day not in days:
            days[end_day] = end.date().isoformat()
        if local_day not in days:
            days[local_day] = local.date().isoformat()
        local_date, local_time = days[local_day], clock[local.hour * 60 + local.minute]
        parts.append(
            f'{{"start":"{days[start_day]}T{clock[start.hour * 60 + start.minute]}:00Z",'
            f'"end":"{days[end_day]}T{clock[end.hour * 60 + end.minute]}:00Z",'
            f'"local_start":"{local_date}T{local_time}:00{suffix}","local_date":"{local_date}",'
            f'"local_time":"{local_time}","seats_left":{slot.seats_left:d}}}'
        )
    head = SlotList(session_type_id=session_type_id, timezone=listing.timezone,
                    builder_timezone=listing.builder.timezone, slots=[]).model_dump_json()
    return f'{head.removesuffix("[]}")}[{",".join(parts)}]}}'


_CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)]


def _offset_suffix(offset: timedelta) -> str:
    """A whole-minute UTC offset as pydantic writes it: ``Z`` or ``±HH:MM``."""
    if not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _booking_public(view: BookingView, checkout_url: str | None = None) -> BookingPublic:
    return BookingPublic(
        token=view.token, status=view.status, start=view.start, end=view.end, timezone=view.customer_timezone,
        local_start=view.start.astimezone(load_timezone(view.customer_timezone)),
        hold_expires_at=view.hold_expires_at, amount=view.amount, currency=view.currency,
        price_display=format_money(view.amount, view.currency), checkout_url=checkout_url,
        session_type=view.session_type_title, duration_minutes=view.duration_minutes,
        builder=_builder(view.builder), customer_name=view.customer_name, customer_email=view.customer_email,
        notes=view.notes, phone=view.customer_phone, answers=view.answers, location_kind=view.location_kind,
        location=view.location, location_url=view.location_url, refund_tiers=view.refund_tiers,
        refund_policy=view.refund_policy, cancel_cutoff_hours=view.cancel_cutoff_hours,
        payment_status=view.payment_status,
        amount_paid=view.paid, amount_refunded=view.refunded, refund_pending=view.refund_pending,
        refund_needs_attention=view.refund_needs_attention, refund_if_cancelled_now=view.refund_if_cancelled_now,
        refund_percent_if_cancelled_now=view.refund_percent_if_cancelled_now,
        refund_rate_until=view.refund_rate_until, can_cancel=view.customer_can_cancel,
        cancel_refusal=view.customer_cancel_refusal, cancelled_by=view.cancelled_by,
        cancellation_reason=view.cancellation_reason, attendance=view.attendance, manage_url=view.manage_url, calendar_url=view.calendar_url,
    )


@router.post("/bookings", status_code=201, response_model=BookingPublic,
             responses={**_ERRORS, 401: {"model": ErrorBody, "description": "members only: no valid customer token"}})
def post_booking(body: BookingCreate, request: Request) -> BookingPublic:
    """Reserve a slot: a hold awaiting payment, or a confirmed booking for free sessions.

    A members-only session type (`requires_sign_in`) answers 401 unless the request carries
    `Authorization: Bearer <customer token>` (from `POST /api/customer/sign-in/verify`); the
    booking then records the customer and uses the account's e-mail address."""
    try:
        reservation = reserve(
            HoldRequest(
                session_type_id=body.session_type_id, start=body.start, name=body.name, email=body.email,
                notes=body.notes, timezone=body.timezone, phone=body.phone, answers=body.answers,
                client_address=request.client.host if request.client else None,
                customer_token=bearer_token(request),
            ),
            now=_now(),
        )
    except SignInRequired:
        raise SignInRequired(messages.MEMBERS_ONLY_API) from None
    return _booking_public(view.by_token(reservation.token, now=_now()), reservation.checkout_url)


@router.post("/bookings/{token}/cancel", response_model=BookingPublic, responses=_ERRORS)
def cancel_booking(token: Token, body: BookingCancel | None = None) -> BookingPublic:
    """Cancel as the customer, until the session type's cut-off (never after the start):
    refunded per the tiers frozen on the booking (`refund_if_cancelled_now` says how much).
    409 with the reason when it is too late. The refund is promised with the cancellation and sent by the job
    runner (``refund_pending`` until Stripe has taken it)."""
    cancel_as_customer(token, now=_now(), reason=body.reason if body else "")
    return _booking_public(view.by_token(token, now=_now()))


@router.post("/bookings/{token}/reschedule", response_model=BookingPublic, responses=_ERRORS)
def reschedule_booking(token: Token, body: BookingReschedule) -> BookingPublic:
    """Move a confirmed booking to another offered time, keeping its payment, link and
    invitation (same UID, higher SEQUENCE). ``409`` when the time is taken, after the session
    type's cut-off (the message names it) or for a booking that is not confirmed; ``422`` when
    the time is not an offered start or is the booking's own."""
    reschedule_as_customer(token, body.start, now=_now())
    return _booking_public(view.by_token(token, now=_now()))


@router.post("/bookings/lookup", status_code=202, response_model=LookupAccepted, responses=_ERRORS)
def lookup_bookings(body: BookingLookupRequest, request: Request) -> LookupAccepted:
    """E-mail an address the links to its upcoming bookings. The answer is the same whether
    or not there are any; ``429`` after 3 requests for one address or 10 from one client in
    an hour."""
    send_links(body.email, client_address=request.client.host if request.client else None, now=_now())
    return LookupAccepted(message=messages.LOOKUP_SENT)


@router.post("/bookings/{token}/reminders/off", response_model=RemindersOff, responses=_ERRORS)
def reminders_off(token: Token) -> RemindersOff:
    """No more reminders for this booking (the one-click ``List-Unsubscribe`` of reminders)."""
    turn_off_reminders(token, now=_now())
    return RemindersOff(reminders="off")


@router.get("/bookings/{token}/reminders/off", response_class=HTMLResponse, include_in_schema=False)
def reminders_off_page(token: Token) -> HTMLResponse:
    """The link in a reminder's text: a page with the button (a GET changes nothing, so link
    scanners cannot turn reminders off)."""
    safe = html.escape(token, quote=True)
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width, initial-scale=1"><title>Stop reminders</title></head>'
        '<body style="font-family:system-ui,sans-serif;max-width:420px;margin:40px auto;padding:0 16px">'
        "<h1>Stop reminders for this booking?</h1><p>Your booking stays as it is; you just won't get "
        f'reminder e-mails for it.</p><form method="post" action="/api/bookings/{safe}/reminders/off">'
        '<button type="submit" style="font:inherit;padding:10px 16px">Stop reminders</button></form>'
        f'<p><a href="{html.escape(booking_page_url(token), quote=True)}">Back to the booking</a></p></body></html>')


@router.get("/bookings/{token}", response_model=BookingPublic, responses=_ERRORS)
def get_booking(token: Token) -> BookingPublic:
    """A booking's status and details, for the holder of its private token."""
    return _booking_public(view.by_token(token, now=_now()))


@router.get(
    "/bookings/{token}/calendar.ics",
    responses={200: {"content": {"text/calendar": {}}}, **_ERRORS},
    response_class=Response,
)
def get_booking_calendar(token: Token) -> Response:
    """The booking as an iCalendar file."""
    with read_session() as session:
        details = queries.by_token(session, token)
    return Response(
        booking_calendar(details, now=_now()),
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
    )


@router.get(
    "/calendar-feeds/{token}.ics",
    responses={200: {"content": {"text/calendar": {}}}, 304: {"description": "unchanged since the ETag given"},
               **_ERRORS},
    response_class=Response,
)
def get_calendar_feed(token: Annotated[str, Path(min_length=1, max_length=64)], request: Request) -> Response:
    """A builder's confirmed bookings as an iCalendar feed, at the secret address shown on their
    calendars page (subscribe to it from any calendar app). Answers 304 to a matching
    ``If-None-Match``."""
    found = feed_file(token, now=_now())
    headers = {"ETag": found.etag, "Last-Modified": found.last_modified, "Cache-Control": "private, max-age=300"}
    if found.etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type="text/calendar", headers={
        **headers, "Content-Disposition": 'inline; filename="makerhours.ics"'})


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown_api_path(path: str) -> JSONResponse:
    """JSON 404 for /api paths that do not exist (instead of the frontend's HTML page)."""
    return JSONResponse({"error": "not_found", "message": f"No API endpoint /api/{path}."}, status_code=404)
