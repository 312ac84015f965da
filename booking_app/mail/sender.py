"""The ``email`` job: write the promised mail and send it; the timeline says it went, or why
it did not. A mail never blocks anything else: it runs after its change has committed, and a
mail the server refuses for good ends its job (flagged) instead of retrying for ever."""

from __future__ import annotations

import logging
from datetime import datetime

from booking_app.bookings import events
from booking_app.db import write_session
from booking_app.jobs.queue import ClaimedJob
from booking_app.mail.compose import compose, one_line
from booking_app.mail.transport import MailRefused, deliver
from booking_app.models import Actor, BookingEventKind

log = logging.getLogger(__name__)


def _job_key(job: ClaimedJob) -> str:
    return f"job-{job.id}"


def send_email(job: ClaimedJob, now: datetime) -> None:
    composed = compose(job.payload, job_key=_job_key(job), now=now)
    if composed is None:
        log.info("mail job %s: nothing to send (%s)", job.id, job.payload)
        return
    who = job.payload["recipient"]
    try:
        where = deliver(composed.message, booking_id=composed.booking_id)
    except MailRefused as exc:
        log.warning("mail job %s to %s refused for good: %s", job.id, who, exc)
        _record(composed.booking_id, BookingEventKind.EMAIL_FAILED, now,
                f"“{composed.subject}” to the {who}: refused by the mail server ({exc}); not retried")
        return
    _record(composed.booking_id, BookingEventKind.EMAIL_SENT, now,
            f"“{composed.subject}” to the {who}" + (" (local mailbox)" if where == "mailbox" else ""))


def give_up_email(job: ClaimedJob, error: str, now: datetime) -> None:
    booking_id = job.payload.get("booking_id")
    if booking_id is not None:
        _record(int(booking_id), BookingEventKind.EMAIL_FAILED, now,
                f"{job.payload.get('template', 'mail')} to the {job.payload.get('recipient')}: gave up after "
                f"{job.attempts} attempts ({one_line(error, 300)})")


def _record(booking_id: int | None, kind: BookingEventKind, now: datetime, detail: str) -> None:
    if booking_id is None:  # an account mail or a disabled webhook endpoint: no booking's timeline
        log.info("mail %s: %s", kind.value, detail)
        return
    with write_session() as session:
        events.record(session, booking_id, kind, Actor.SYSTEM, now=now, detail=detail)
