"""Outgoing webhooks, sent: the two jobs behind them (Standard Webhooks, signed with the
``standardwebhooks`` package).

* ``webhook_event`` (``fan_out``), promised with the booking's change (``bookings.outgoing``):
  writes one ``webhook_delivery`` per enabled endpoint of the builder that takes the event —
  its body frozen (``{"type", "timestamp", "data": {booking…}}``) and its own ``webhook-id`` —
  and a ``webhook_delivery`` job for each, in one transaction. Idempotent: a delivery is
  unique per endpoint and event.
* ``webhook_delivery`` (``deliver``): one signed POST of that body. A 2xx answer is success.
  Anything else (an error status, a redirect — never followed —, a timeout, a refused
  connection, an address that became private) fails the attempt; the job runner retries it
  with its backoff (10 s doubling to an hour), the same ``webhook-id`` every time and a fresh
  ``webhook-timestamp`` and signature, for a day from the first attempt. An endpoint with no
  successful delivery for a day of failures is disabled, and its builder is e-mailed.

A request costs at most ``TOTAL_SECONDS`` (a timer shuts the socket then, however slowly the
receiver drips its answer); connecting may take ``CONNECT_TIMEOUT``, each read
``READ_TIMEOUT``; at most ``RESPONSE_LIMIT`` bytes of the answer are read, the rest is dropped
with the connection. The connection goes to the address ``targets.resolve`` checked, with the
host name for the ``Host`` header and TLS (SNI and certificate), so a name re-resolving
elsewhere cannot redirect it. Deliveries run in parallel threads of the job runner
(``JobType.parallel``), so a slow endpoint does not hold up other endpoints' deliveries or
the runner's other jobs.
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import certifi
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from standardwebhooks.webhooks import Webhook

from booking_app.bookings import queries, view
from booking_app.bookings.notices import EMAIL_JOB
from booking_app.db import read_session, write_session
from booking_app.errors import InvalidInput
from booking_app.integrations import targets
from booking_app.integrations.booking_data import builder_booking
from booking_app.integrations.webhooks import DELIVERY_JOB, DELIVERY_MAX_ATTEMPTS
from booking_app.jobs.queue import ClaimedJob, RetryLater, enqueue
from booking_app.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

RETRY_FOR = timedelta(days=1)  # a delivery is retried this long after its first attempt
DISABLE_AFTER = timedelta(days=1)  # an endpoint failing this long without a success is disabled
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
TOTAL_SECONDS = 15.0
RESPONSE_LIMIT = 64 * 1024
USER_AGENT = "Makerhours-Webhooks/1 (+https://www.standardwebhooks.com/)"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
_DELIVERIES = WebhookDelivery.__table__


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def event_body(payload: dict, data: dict) -> str:
    """The JSON sent: ``{"type", "timestamp", "data"}``; ``data`` is the booking as the builder
    API shows it, plus what the event adds (the previous start, the refund)."""
    extra: dict = {}
    if "previous_start" in payload:
        extra["previous_start"] = payload["previous_start"]
    if "refund_amount" in payload:
        extra["refund"] = {"amount": payload["refund_amount"], "currency": payload["refund_currency"]}
    return json.dumps({"type": payload["type"], "timestamp": payload["timestamp"], "data": {**data, **extra}},
                      separators=(",", ":"), ensure_ascii=False)


def fan_out(job: ClaimedJob, now: datetime) -> None:
    """The ``webhook_event`` job: a delivery (and its job) per endpoint that takes the event."""
    payload = job.payload
    created = 0
    with write_session() as session:
        details = queries.by_id(session, int(payload["booking_id"]))
        if details is None:
            return  # the booking was deleted meanwhile
        endpoints = [e for e in session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.builder_id == details.builder.id,
                                          WebhookEndpoint.enabled == sa.true())
            .order_by(WebhookEndpoint.id)).all() if payload["type"] in (e.events or [])]
        if not endpoints:
            return
        data = builder_booking(view.build(session, [details], now=now)[0]).model_dump(mode="json")
        body = event_body(payload, data)
        connection = session.connection()
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        for endpoint in endpoints:
            delivery_id = connection.execute(
                insert(_DELIVERIES).values(
                    endpoint_id=endpoint.id, booking_id=details.booking.id, event_key=payload["key"][:200],
                    event_type=payload["type"], message_id=new_message_id(), body=body, status=PENDING, attempts=0,
                    last_error="", created_at=now)
                .on_conflict_do_nothing(index_elements=[_DELIVERIES.c.endpoint_id, _DELIVERIES.c.event_key])
                .returning(_DELIVERIES.c.id)
            ).scalar()
            if delivery_id is None:
                continue  # written by an earlier run of this job
            enqueue(connection, DELIVERY_JOB, {"delivery_id": delivery_id}, now=now,
                    booking_id=details.booking.id, dedupe_key=f"webhook_delivery:{delivery_id}",
                    max_attempts=DELIVERY_MAX_ATTEMPTS)
            created += 1
    log.info("%s for booking %s: %d deliveries", payload["type"], payload["booking_id"], created)


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status; None when no answer came
    error: str  # "" on success

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def sign(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body)}


def _host_header(target: targets.Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTP(S) to one checked address, speaking TLS (SNI, certificate) for the host name."""

    def __init__(self, target: targets.Target, address: str) -> None:
        tls = ssl.create_default_context(cafile=certifi.where()) if target.scheme == "https" else None
        super().__init__(address, target.port, timeout=READ_TIMEOUT, context=tls)
        self._target = target

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), CONNECT_TIMEOUT)
        sock.settimeout(READ_TIMEOUT)
        if self._target.scheme == "https":
            sock = self._context.wrap_socket(sock, server_hostname=self._target.host)
        self.sock = sock


def _abort(connection: _PinnedConnection) -> None:
    """The deadline passed: end whatever the connection is waiting for (a receiver dripping
    its answer a byte at a time would otherwise keep each read under the read timeout)."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post(url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` within the limits above; never raises for the receiver's sake."""
    try:
        target = targets.resolve(url)
    except InvalidInput as exc:
        return Answer(None, exc.message)
    connection = _PinnedConnection(target, target.addresses[0])
    deadline = threading.Timer(TOTAL_SECONDS, _abort, args=(connection,))
    deadline.daemon = True
    started = time.monotonic()
    deadline.start()
    try:
        connection.request("POST", target.path, body=body.encode(), headers={
            **headers, "Host": _host_header(target), "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "Connection": "close"})
        response = connection.getresponse()
        received = 0
        while received < RESPONSE_LIMIT:  # read (a little of) the answer, then drop the rest
            chunk = response.read(8192)
            if not chunk:
                break
            received += len(chunk)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        late = time.monotonic() - started >= TOTAL_SECONDS
        return Answer(None, f"no answer within {TOTAL_SECONDS:g} s" if late else f"{type(exc).__name__}: {exc}"[:300])
    finally:
        deadline.cancel()
        connection.close()
    if 200 <= status < 300:
        return Answer(status, "")
    if 300 <= status < 400:
        return Answer(status, f"answered {status} (a redirect: not followed; register the final URL)")
    return Answer(status, f"answered {status}")


def deliver(job: ClaimedJob, now: datetime) -> None:
    """The ``webhook_delivery`` job: one signed attempt; ``RetryLater`` to try again."""
    delivery_id = int(job.payload["delivery_id"])
    with read_session() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None or delivery.status != PENDING:
        return  # the endpoint was removed (its log with it), or a duplicate run
    if not endpoint.enabled:
        _finish(delivery_id, now, FAILED, None, "not sent: the endpoint is disabled")
        return
    answer = post(endpoint.url, delivery.body, sign(endpoint.secret, delivery.message_id, delivery.body,
                                                     datetime.now(UTC)))
    if answer.ok:
        _finish(delivery_id, now, SUCCEEDED, answer.status, "")
        return
    if _failed(delivery_id, endpoint.id, now, answer):
        raise RetryLater(f"webhook delivery {delivery_id} to endpoint {endpoint.id}: {answer.error}")


def _finish(delivery_id: int, now: datetime, status: str, code: int | None, error: str) -> None:
    with write_session() as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return
        _record_attempt(delivery, now, status, code, error)
        session.add(delivery)
        if status == SUCCEEDED:
            session.execute(sa.update(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
                            .values(failing_since=None))


def _record_attempt(delivery: WebhookDelivery, now: datetime, status: str, code: int | None, error: str) -> None:
    delivery.status, delivery.response_code, delivery.last_error = status, code, error[:500]
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now


def _failed(delivery_id: int, endpoint_id: int, now: datetime, answer: Answer) -> bool:
    """Record a failed attempt; True to retry. After a day of attempts the delivery fails; an
    endpoint with nothing but failures for a day is disabled and its builder told."""
    with write_session() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if endpoint is None or delivery is None:
            return False
        first = delivery.first_attempt_at or now
        gave_up = now - first >= RETRY_FOR
        _record_attempt(delivery, now, FAILED if gave_up else PENDING, answer.status, answer.error)
        endpoint.failing_since = endpoint.failing_since or now
        if endpoint.enabled and now - endpoint.failing_since >= DISABLE_AFTER:
            _disable(session, endpoint, now, answer)
            delivery.status, gave_up = FAILED, True
        session.add(delivery)
        session.add(endpoint)
    return not gave_up


def _disable(session, endpoint: WebhookEndpoint, now: datetime, answer: Answer) -> None:
    endpoint.enabled, endpoint.disabled_at = False, now
    endpoint.disabled_reason = (f"Every delivery failed for a day (last: {answer.error}); "
                                "enable it again once it answers 2xx.")[:500]
    enqueue(session, EMAIL_JOB, {"template": "webhook_disabled", "recipient": "builder", "endpoint_id": endpoint.id,
                                 "builder_id": endpoint.builder_id, "url": endpoint.url,
                                 "reason": endpoint.disabled_reason},
            now=now, dedupe_key=f"email:webhook_disabled:builder:{endpoint.id}:{now.isoformat()}")
    log.warning("webhook endpoint %s of builder %s disabled: %s", endpoint.id, endpoint.builder_id, answer.error)


def give_up(job: ClaimedJob, error: str, now: datetime) -> None:
    """The delivery job ran out of attempts (it normally gives up after a day, long before)."""
    with write_session() as session:
        session.execute(sa.update(WebhookDelivery)
                        .where(WebhookDelivery.id == int(job.payload["delivery_id"]),
                               WebhookDelivery.status == PENDING)
                        .values(status=FAILED, last_error=f"gave up: {error}"[:500]))
