"""The builder API under ``/api/me``: a builder's own bookings and webhook endpoints, for
their scripts and tools, authenticated with an API key (``Authorization: Bearer mh_live_…``).

Thin like the public routes: the key names the builder's login, and every call passes it to
the same services the dashboard uses (they check it again). Another builder's booking or
endpoint answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from booking_app import messages
from booking_app.api.schemas import MAX_ID, ErrorBody
from booking_app.bookings import listing, view
from booking_app.bookings.cancel import cancel_as_builder
from booking_app.bookings.outgoing import EVENT_TYPES
from booking_app.bookings.reschedule import reschedule_as_builder
from booking_app.errors import Forbidden, NotFound
from booking_app.integrations import api_keys, webhooks
from booking_app.integrations.booking_data import BuilderBooking, builder_booking

router = APIRouter(prefix="/me", tags=["builder"])
_bearer = HTTPBearer(auto_error=False, scheme_name="BuilderApiKey",
                     description="A builder API key (mh_live_…), made at /dashboard/developers or with "
                                 "`python -m booking_app.cli create-api-key`.")
_ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 404, 409, 413, 422, 503)}
BookingId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _now() -> datetime:
    return datetime.now(UTC)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="makerhours"'})


def api_actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> int:
    """The user id of the builder whose key authorises the request; 401 otherwise."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized(messages.API_KEY_MISSING)
    owner = api_keys.authenticate(credentials.credentials, now=_now())
    if owner is None:
        raise _unauthorized(messages.API_KEY_INVALID)
    return owner.user_id


Actor = Annotated[int, Depends(api_actor)]


@contextmanager
def _own_booking() -> Iterator[None]:
    """Another builder's booking is none of this key's business: the same 404 as an unknown id."""
    try:
        yield
    except Forbidden:
        raise NotFound(messages.BOOKING_NOT_FOUND) from None


def _booking(actor: int, booking_id: int) -> BuilderBooking:
    with _own_booking():
        return builder_booking(view.for_builder(actor_user_id=actor, booking_id=booking_id, now=_now()).booking)


class BookingList(BaseModel):
    data: list[BuilderBooking]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class BuilderCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="for the customer (optional)")


class BuilderReschedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="the new start, ISO-8601 with offset, one of the offered times")
    message: str = Field(default="", max_length=500, description="for the customer (optional)")


@router.get("/bookings", response_model=BookingList, responses=_ERRORS)
def list_bookings(
    actor: Actor,
    status: Annotated[str | None, Query(description="pending_payment, confirmed, expired or cancelled")] = None,
    start_from: Annotated[AwareDatetime | None, Query(alias="from", description="starts at or after (ISO-8601 with offset)")] = None,
    start_to: Annotated[AwareDatetime | None, Query(alias="to", description="starts before (ISO-8601 with offset)")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_PAGE)] = 50,
) -> BookingList:
    """Your bookings, oldest start first, a page at a time."""
    page = listing.list_for_builder(actor_user_id=actor, now=_now(), status=status, start_from=start_from,
                                    start_to=start_to, cursor=cursor, limit=limit)
    return BookingList(data=[builder_booking(v) for v in page.bookings], next_cursor=page.next_cursor)


@router.get("/bookings/{booking_id}", response_model=BuilderBooking, responses=_ERRORS)
def get_booking(actor: Actor, booking_id: BookingId) -> BuilderBooking:
    """One of your bookings."""
    return _booking(actor, booking_id)


@router.post("/bookings/{booking_id}/cancel", response_model=BuilderBooking, responses=_ERRORS)
def cancel_booking(actor: Actor, booking_id: BookingId, body: BuilderCancel | None = None) -> BuilderBooking:
    """Cancel with a full refund of everything paid, as the dashboard does (the refund is
    promised at once and sent by the job runner: `refund_pending` until Stripe has it).
    409 when already cancelled or expired."""
    with _own_booking():
        cancel_as_builder(actor_user_id=actor, booking_id=booking_id, now=_now(), reason=body.reason if body else "")
    return _booking(actor, booking_id)


@router.post("/bookings/{booking_id}/reschedule", response_model=BuilderBooking, responses=_ERRORS)
def reschedule_booking(actor: Actor, booking_id: BookingId, body: BuilderReschedule) -> BuilderBooking:
    """Move a confirmed booking to another offered time before its start (same payment and
    link; both sides are e-mailed). 409 taken / started / not confirmed; 422 not an offered start."""
    with _own_booking():
        reschedule_as_builder(actor_user_id=actor, booking_id=booking_id, start=body.start, now=_now(),
                              message=body.message)
    return _booking(actor, booking_id)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://example.com/hooks/makerhours"])
    events: list[str] = Field(max_length=len(EVENT_TYPES) * 2, examples=[list(EVENT_TYPES)],
                              description="any of " + ", ".join(EVENT_TYPES))


class WebhookEndpointOut(BaseModel):
    id: int
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    failing_since: datetime | None = Field(description="first failed delivery not followed by a success")
    disabled_at: datetime | None
    disabled_reason: str


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(description="whsec_… — verify our signatures with it; shown only in this answer")


def _endpoint(found: webhooks.EndpointView) -> dict:
    return dict(id=found.id, url=found.url, events=found.events, enabled=found.enabled, created_at=found.created_at,
                failing_since=found.failing_since, disabled_at=found.disabled_at,
                disabled_reason=found.disabled_reason)


@router.get("/webhooks", response_model=list[WebhookEndpointOut], responses=_ERRORS)
def list_webhooks(actor: Actor) -> list[WebhookEndpointOut]:
    """Your webhook endpoints (without their secrets)."""
    return [WebhookEndpointOut(**_endpoint(e)) for e in webhooks.list_endpoints(actor)]


@router.post("/webhooks", status_code=201, response_model=WebhookEndpointCreated, responses=_ERRORS)
def create_webhook(actor: Actor, body: WebhookCreate) -> WebhookEndpointCreated:
    """Register an endpoint for some booking events; the answer carries its signing secret,
    once. 422 names the problem: the URL's scheme, length, host that cannot be found or is
    private, an event we do not send."""
    made = webhooks.create_endpoint(actor, body.url, body.events, now=_now())
    return WebhookEndpointCreated(**_endpoint(made.endpoint), secret=made.secret)


@router.delete("/webhooks/{endpoint_id}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_webhook(actor: Actor, endpoint_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Remove an endpoint and its delivery log; nothing more is sent to it."""
    webhooks.delete_endpoint(actor, endpoint_id)
    return Response(status_code=204)


@router.options("/webhooks", include_in_schema=False)
def webhooks_options() -> Response:
    """Both methods of the path in ``Allow`` (Starlette would name only the first route's)."""
    return Response(status_code=204, headers={"Allow": "GET, POST, OPTIONS"})
