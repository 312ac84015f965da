"""A builder's outgoing webhook endpoints: registered with a URL and the events they take,
signed with their own secret (``whsec_…``, Standard Webhooks; shown once), removed, enabled
again after a day of failures disabled them; their delivery log and "resend".

Every function takes the acting user; another builder's endpoint or delivery reads as unknown.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from booking_app import messages
from booking_app.bookings.outgoing import EVENT_TYPES
from booking_app.db import read_session, write_session
from booking_app.errors import Conflict, InvalidInput, NotFound
from booking_app.integrations import targets
from booking_app.jobs import runner
from booking_app.jobs.queue import enqueue
from booking_app.models import Builder, WebhookDelivery, WebhookEndpoint
from booking_app.scheduling.service import builder_of

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_ENDPOINTS = 10
DELIVERY_JOB = "webhook_delivery"
LOG_LIMIT = 50


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    failing_since: datetime | None
    disabled_at: datetime | None
    disabled_reason: str


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: EndpointView
    secret: str  # shown once


@dataclass(frozen=True)
class DeliveryView:
    id: int
    event_type: str
    message_id: str
    booking_id: int | None
    status: str  # pending | succeeded | failed
    attempts: int
    response_code: int | None
    last_error: str
    created_at: datetime
    last_attempt_at: datetime | None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _view(row: WebhookEndpoint) -> EndpointView:
    return EndpointView(row.id, row.url, list(row.events), row.enabled, row.created_at, row.failing_since,
                        row.disabled_at, row.disabled_reason)


def clean_events(events: list[str] | tuple[str, ...]) -> list[str]:
    """The event names, checked against the ones we send, in our order, once each."""
    chosen = [str(name).strip() for name in events]
    if not chosen:
        raise InvalidInput("events", messages.WEBHOOK_EVENTS_REQUIRED)
    for name in chosen:
        if name not in EVENT_TYPES:
            raise InvalidInput("events", messages.WEBHOOK_EVENT_UNKNOWN.format(name=name[:60],
                                                                                 known=", ".join(EVENT_TYPES)))
    return [name for name in EVENT_TYPES if name in chosen]


def create_endpoint(actor_user_id: int | None, url: str, events: list[str], *, now: datetime) -> NewEndpoint:
    """Register an endpoint: the URL must resolve to public addresses only (see ``targets``)."""
    with read_session() as session:
        builder_of(session, actor_user_id)  # refuse non-builders before any network look-up
    chosen = clean_events(events)
    targets.resolve(url)
    with write_session() as session:
        builder = builder_of(session, actor_user_id)
        session.get(Builder, builder.id, with_for_update=True)  # one count-then-insert at a time
        count = session.exec(select(func.count()).select_from(WebhookEndpoint)
                             .where(WebhookEndpoint.builder_id == builder.id)).one()
        if count >= MAX_ENDPOINTS:
            raise InvalidInput("url", messages.WEBHOOK_TOO_MANY)
        secret = new_secret()
        row = WebhookEndpoint(builder_id=builder.id, url=url.strip(), events=chosen, secret=secret, enabled=True,
                              created_at=now)
        session.add(row)
        session.flush()
        return NewEndpoint(_view(row), secret)


def list_endpoints(actor_user_id: int | None) -> list[EndpointView]:
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        rows = session.exec(select(WebhookEndpoint).where(WebhookEndpoint.builder_id == builder.id)
                            .order_by(WebhookEndpoint.id)).all()
        return [_view(row) for row in rows]


def _own_endpoint(session: Session, actor_user_id: int | None, endpoint_id: int, *,
                  for_update: bool = False) -> WebhookEndpoint:
    builder = builder_of(session, actor_user_id)
    row = session.get(WebhookEndpoint, endpoint_id, with_for_update=for_update or None)
    if row is None or row.builder_id != builder.id:
        raise NotFound(messages.WEBHOOK_NOT_FOUND)
    return row


def delete_endpoint(actor_user_id: int | None, endpoint_id: int) -> None:
    """The endpoint and its log go; deliveries still queued for it end without a request."""
    with write_session() as session:
        session.delete(_own_endpoint(session, actor_user_id, endpoint_id, for_update=True))


def enable_endpoint(actor_user_id: int | None, endpoint_id: int) -> EndpointView:
    """Switch a disabled endpoint on again (its failure clock starts afresh)."""
    with write_session() as session:
        row = _own_endpoint(session, actor_user_id, endpoint_id, for_update=True)
        row.enabled, row.failing_since, row.disabled_at, row.disabled_reason = True, None, None, ""
        session.add(row)
        session.flush()
        return _view(row)


def _delivery_view(row: WebhookDelivery) -> DeliveryView:
    return DeliveryView(row.id, row.event_type, row.message_id, row.booking_id, row.status, row.attempts,
                        row.response_code, row.last_error, row.created_at, row.last_attempt_at)


def list_deliveries(actor_user_id: int | None, endpoint_id: int, *, limit: int = LOG_LIMIT) -> list[DeliveryView]:
    """An endpoint's delivery log, newest first."""
    with read_session() as session:
        _own_endpoint(session, actor_user_id, endpoint_id)
        rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                            .order_by(col(WebhookDelivery.id).desc()).limit(limit)).all()
        return [_delivery_view(row) for row in rows]


def resend(actor_user_id: int | None, delivery_id: int, *, now: datetime) -> DeliveryView:
    """Send a logged delivery again: the same body and ``webhook-id`` (receivers that already
    processed it can recognise it), a fresh day of retries."""
    with write_session() as session:
        row = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(messages.WEBHOOK_DELIVERY_NOT_FOUND)
        try:
            endpoint = _own_endpoint(session, actor_user_id, row.endpoint_id)
        except NotFound:
            raise NotFound(messages.WEBHOOK_DELIVERY_NOT_FOUND) from None
        if not endpoint.enabled:
            raise Conflict(messages.WEBHOOK_RESEND_DISABLED)
        if row.status == "pending":
            raise Conflict(messages.WEBHOOK_RESEND_PENDING)
        row.status, row.first_attempt_at, row.last_error = "pending", None, ""
        session.add(row)
        session.flush()
        enqueue(session, DELIVERY_JOB, {"delivery_id": row.id}, now=now, booking_id=row.booking_id,
                max_attempts=DELIVERY_MAX_ATTEMPTS)
        view = _delivery_view(row)
    runner.notify()
    return view


# A day of retries is reached long before this (see ``delivery``); it only bounds a job that
# keeps failing for some other reason.
DELIVERY_MAX_ATTEMPTS = 100
