"""Every kind of job the app knows, and the code that does it. Application level: this is
where booking, payment and account code meet the runner (none of them imports another's
periodic work)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from booking_app.accounts.sessions import forget_stale_records
from booking_app.accounts.signup import forget_expired_requests
from booking_app.accounts import customers, oidc
from booking_app.bookings.expiry import expire_due_holds
from booking_app.bookings.lookup import forget_old_lookups
from booking_app.bookings.notices import EMAIL_JOB, promise_due_reminders
from booking_app.calendars import sync as calendar_sync
from booking_app.db import write_session
from booking_app.bookings.outgoing import WEBHOOK_EVENT_JOB
from booking_app.integrations import delivery as webhook_delivery
from booking_app.integrations.webhooks import DELIVERY_JOB
from booking_app.jobs.queue import ClaimedJob
from booking_app.jobs.runner import JobType
from booking_app.mail.sender import give_up_email, send_email
from booking_app.models import Job, JobStatus, WebhookDelivery
from booking_app.payments import checkout, refunds

KEEP_FINISHED_JOBS = timedelta(days=30)


def _close_checkout(job: ClaimedJob, _now: datetime) -> None:
    checkout.close_checkout_session(job.payload["checkout_session_id"])


def _expire_holds(_job: ClaimedJob, now: datetime) -> None:
    expire_due_holds(now=now)


def _forget_old_records(_job: ClaimedJob, now: datetime) -> None:
    """Expired sign-in sessions, old login attempts, sign-up links and lookups, jobs finished long
    ago, and webhook deliveries done (succeeded or failed) as long ago."""
    forget_stale_records(now=now)
    forget_expired_requests(now=now)
    customers.forget_stale_records(now=now)  # customer sessions and sign-in codes (issue 16)
    oidc.forget_stale_logins(now=now)  # OIDC sign-ins in flight (issue 16)
    forget_old_lookups(now=now)
    with write_session() as session:
        session.execute(sa.delete(Job).where(Job.status == JobStatus.SUCCEEDED,
                                             Job.finished_at < now - KEEP_FINISHED_JOBS))
        session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.status != webhook_delivery.PENDING,
                                                         WebhookDelivery.created_at < now - KEEP_FINISHED_JOBS))


JOB_TYPES: dict[str, JobType] = {
    refunds.REFUND_JOB: JobType(run=refunds.send_refund, on_dead=refunds.give_up_refund),
    checkout.CLOSE_CHECKOUT_JOB: JobType(run=_close_checkout),
    EMAIL_JOB: JobType(run=send_email, on_dead=give_up_email),
    # Outgoing webhooks (integrations, issue 17)
    WEBHOOK_EVENT_JOB: JobType(run=webhook_delivery.fan_out),
    DELIVERY_JOB: JobType(run=webhook_delivery.deliver, on_dead=webhook_delivery.give_up, parallel=True),
    "expire_holds": JobType(run=_expire_holds, every=timedelta(minutes=1)),
    "promise_reminders": JobType(run=lambda _job, now: promise_due_reminders(now=now), every=timedelta(minutes=5)),
    "forget_old_records": JobType(run=_forget_old_records, every=timedelta(minutes=10)),
    calendar_sync.DISPATCH_JOB: JobType(run=calendar_sync.dispatch, every=timedelta(minutes=1)),
    calendar_sync.SYNC_JOB: JobType(run=calendar_sync.sync_job),
    calendar_sync.WRITE_JOB: JobType(run=calendar_sync.write_job),
}
