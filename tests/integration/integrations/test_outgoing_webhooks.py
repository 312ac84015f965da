"""Outgoing webhooks end to end on both databases: the app with the Stripe emulator, the job
runner, and a real HTTP receiver that verifies every signature with ``standardwebhooks``.
Deliveries on confirm (the Stripe webhook's path — on PostgreSQL its one statement — and a
free booking), reschedule, cancel and refund; retries after 500s with the same webhook-id;
an endpoint failing for a day is disabled and its builder e-mailed; resend from the log;
hostile endpoints cost a bounded time and are never followed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from booking_app.bookings.cancel import cancel_as_builder
from booking_app.bookings.reschedule import reschedule_as_builder
from booking_app.errors import Conflict, NotFound
from booking_app.integrations import delivery, webhooks
from booking_app.models import Job, JobStatus, MailboxMessage, WebhookDelivery, WebhookEndpoint
from booking_app.settings import get_settings
from tests.integration.api.conftest import at
from tests.integration.integrations.conftest import Keys
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id, paid_booking
from tests.support.webhook_receiver import Receiver, webhook_receiver

ALL = ["booking.confirmed", "booking.cancelled", "booking.rescheduled", "booking.refunded"]


@pytest.fixture
def receiver(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")  # the receiver listens on 127.0.0.1
    get_settings.cache_clear()
    with webhook_receiver() as server:
        yield server


def _register(shop: Shop, receiver: Receiver, events: list[str] = ALL) -> int:
    made = webhooks.create_endpoint(shop.offer.builder.user_id, receiver.url, events, now=datetime.now(UTC))
    receiver.secret = made.secret
    return made.endpoint.id


def _deliveries(shop: Shop) -> list[WebhookDelivery]:
    with Session(shop.engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _endpoint(shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    with Session(shop.engine) as session:
        return session.get(WebhookEndpoint, endpoint_id)


def test_signed_deliveries_for_confirm_reschedule_cancel_and_refund(shop: Shop, receiver: Receiver) -> None:
    endpoint_id = _register(shop, receiver)
    booked = paid_booking(shop, 10)  # confirmed by Stripe's webhook
    ident = booking_id(shop, booked["token"])
    shop.run_jobs()
    ada = shop.offer.builder.user_id
    reschedule_as_builder(actor_user_id=ada, booking_id=ident, start=datetime.fromisoformat(at(shop.day, 14)),
                          now=datetime.now(UTC))
    shop.run_jobs()
    cancel_as_builder(actor_user_id=ada, booking_id=ident, now=datetime.now(UTC), reason="Ill")
    shop.run_jobs()  # the refund job asks Stripe; its success promises booking.refunded, sent in the same run
    free = shop.book(9, kind=shop.offer.free, email="free@example.com")
    shop.run_jobs()

    assert [r.verified for r in receiver.received] == [True] * 5
    assert [r.event["type"] for r in receiver.received] == [
        "booking.confirmed", "booking.rescheduled", "booking.cancelled", "booking.refunded", "booking.confirmed"]
    assert len({r.id for r in receiver.received}) == 5 and all(r.id.startswith("msg_") for r in receiver.received)
    confirmed, moved, cancelled, refunded, free_confirmed = (r.event for r in receiver.received)
    assert confirmed["data"]["id"] == ident and confirmed["data"]["amount_paid"] == 15000
    assert moved["data"]["start"].startswith(datetime.fromisoformat(at(shop.day, 14)).astimezone(UTC)
                                             .strftime("%Y-%m-%dT%H:%M"))
    assert moved["data"]["previous_start"].startswith(datetime.fromisoformat(at(shop.day, 10)).astimezone(UTC)
                                                      .strftime("%Y-%m-%dT%H:%M"))
    assert (cancelled["data"]["status"], cancelled["data"]["cancelled_by"]) == ("cancelled", "builder")
    assert refunded["data"]["refund"] == {"amount": 15000, "currency": "gbp"}
    assert free_confirmed["data"]["customer_email"] == free["customer_email"]
    assert all(set(e) == {"type", "timestamp", "data"} and "token" not in e["data"] for e in
               (confirmed, moved, cancelled, refunded))
    assert [(d.status, d.response_code, d.attempts) for d in _deliveries(shop)] == [("succeeded", 200, 1)] * 5
    assert _endpoint(shop, endpoint_id).failing_since is None


def test_only_subscribed_events_and_only_builders_with_endpoints_are_sent(shop: Shop, receiver: Receiver,
                                                                          keys: Keys) -> None:
    shop.book(9, kind=shop.offer.free, email="before@example.com")  # no endpoint yet: nothing promised
    with Session(shop.engine) as session:
        assert session.exec(select(Job).where(Job.kind == "webhook_event")).all() == []
    _register(shop, receiver, ["booking.cancelled"])
    shop.book(11, kind=shop.offer.free, email="after@example.com")
    shop.run_jobs()
    assert receiver.received == [] and _deliveries(shop) == []  # not subscribed to booking.confirmed


def test_retries_after_500s_keep_the_same_webhook_id(shop: Shop, receiver: Receiver) -> None:
    endpoint_id = _register(shop, receiver, ["booking.confirmed"])
    receiver.answer(500, 503)
    shop.book(9, kind=shop.offer.free)
    start = datetime.now(UTC)
    shop.run_jobs(start)
    [pending] = _deliveries(shop)
    assert (pending.status, pending.response_code, pending.attempts) == ("pending", 500, 1)
    assert _endpoint(shop, endpoint_id).failing_since == start
    shop.run_jobs(start + timedelta(minutes=1))
    shop.run_jobs(start + timedelta(minutes=5))
    assert [r.answered for r in receiver.received] == [500, 503, 200]
    assert len({r.id for r in receiver.received}) == 1 and all(r.verified for r in receiver.received)
    assert len({r.headers["webhook-signature"] for r in receiver.received}) >= 1
    [done] = _deliveries(shop)
    assert (done.status, done.response_code, done.attempts, done.message_id) == ("succeeded", 200, 3,
                                                                                   receiver.received[0].id)
    assert _endpoint(shop, endpoint_id).failing_since is None  # a success clears the failure clock


def test_an_endpoint_failing_for_a_day_is_disabled_its_builder_told_and_resend_works(shop: Shop,
                                                                                     receiver: Receiver) -> None:
    endpoint_id = _register(shop, receiver, ["booking.confirmed"])
    receiver.answer(*([500] * 200))
    shop.book(9, kind=shop.offer.free)
    start = datetime.now(UTC)
    for half_hours in range(2 * 26):  # the runner looks every half hour for 26 hours
        shop.run_jobs(start + timedelta(minutes=30 * half_hours))
    endpoint = _endpoint(shop, endpoint_id)
    assert not endpoint.enabled
    assert start + timedelta(hours=24) <= endpoint.disabled_at <= start + timedelta(hours=25, minutes=30)
    assert "failed for a day" in endpoint.disabled_reason and "answered 500" in endpoint.disabled_reason
    [failed] = _deliveries(shop)
    attempts = failed.attempts
    assert (failed.status, failed.response_code) == ("failed", 500) and 20 <= attempts <= 40  # backoff up to 1 h
    assert len(receiver.received) == attempts and len({r.id for r in receiver.received}) == 1
    with Session(shop.engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == "webhook_delivery")).all()
        mail = session.exec(select(MailboxMessage).where(MailboxMessage.subject == "A webhook endpoint was disabled")).one()
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED]  # ended by the day's limit, not dead
    assert "ada@example.com" in mail.recipient and receiver.url in mail.raw
    # While disabled: no new events for it, and no resend.
    shop.book(11, kind=shop.offer.free, email="later@example.com")
    shop.run_jobs(start + timedelta(hours=26, minutes=1))
    assert len(receiver.received) == attempts
    ada = shop.offer.builder.user_id
    with pytest.raises(Conflict, match="disabled"):
        webhooks.resend(ada, failed.id, now=start + timedelta(hours=26))
    # Enabled again, the builder resends the missed delivery from the log: same webhook-id.
    webhooks.enable_endpoint(ada, endpoint_id)
    receiver.answers.clear()
    resent = webhooks.resend(ada, failed.id, now=start + timedelta(hours=27))
    assert resent.status == "pending"
    shop.run_jobs(start + timedelta(hours=27))
    assert receiver.received[-1].id == receiver.received[0].id and receiver.received[-1].verified
    [log] = webhooks.list_deliveries(ada, endpoint_id)
    assert (log.status, log.response_code, log.attempts) == ("succeeded", 200, attempts + 1)


def test_resend_of_a_delivered_event_and_who_may(shop: Shop, receiver: Receiver, keys: Keys) -> None:
    endpoint_id = _register(shop, receiver, ["booking.confirmed"])
    shop.book(9, kind=shop.offer.free)
    shop.run_jobs()
    ada = shop.offer.builder.user_id
    [sent] = webhooks.list_deliveries(ada, endpoint_id)
    with pytest.raises(NotFound):
        webhooks.resend(keys.bob_user_id, sent.id, now=datetime.now(UTC))
    with pytest.raises(NotFound):
        webhooks.list_deliveries(keys.bob_user_id, endpoint_id)
    webhooks.resend(ada, sent.id, now=datetime.now(UTC))
    with pytest.raises(Conflict, match="still being sent"):
        webhooks.resend(ada, sent.id, now=datetime.now(UTC))
    shop.run_jobs()
    assert [r.id for r in receiver.received] == [sent.message_id] * 2
    assert [r.event["type"] for r in receiver.received] == ["booking.confirmed"] * 2


def test_hostile_endpoints_cost_a_bounded_time_and_are_not_followed(shop: Shop, receiver: Receiver,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _register(shop, receiver, ["booking.confirmed"])
    monkeypatch.setattr(delivery, "READ_TIMEOUT", 0.5)
    receiver.answer("redirect", "huge", ("slow", 3))
    shop.book(9, kind=shop.offer.free)
    start = datetime.now(UTC)
    shop.run_jobs(start)
    [redirected] = _deliveries(shop)
    assert (redirected.status, redirected.response_code) == ("pending", 302)
    assert "redirect: not followed" in redirected.last_error
    assert [r.path for r in receiver.received] == ["/hooks/makerhours"]  # /elsewhere was never asked for
    began = datetime.now(UTC)
    shop.run_jobs(start + timedelta(minutes=1))  # 20 MiB answered: read up to the cap, dropped
    assert datetime.now(UTC) - began < timedelta(seconds=5)
    assert _deliveries(shop)[0].status == "succeeded"
    # A slow endpoint: the read timeout ends the attempt.
    shop.book(11, kind=shop.offer.free, email="slow@example.com")
    began = datetime.now(UTC)
    shop.run_jobs(start + timedelta(minutes=2))
    assert datetime.now(UTC) - began < timedelta(seconds=2.5)
    slow = _deliveries(shop)[1]
    assert slow.status == "pending" and slow.response_code is None and "timed out" in slow.last_error.lower()


def test_a_dripping_endpoint_is_cut_off_at_the_deadline_and_holds_up_no_other(shop: Shop, receiver: Receiver,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "TOTAL_SECONDS", 1.5)
    monkeypatch.setattr(delivery, "READ_TIMEOUT", 1.0)  # each byte comes sooner than that
    _register(shop, receiver, ["booking.confirmed"])
    with webhook_receiver() as other:
        made = webhooks.create_endpoint(shop.offer.builder.user_id, other.url, ["booking.confirmed"],
                                        now=datetime.now(UTC))
        other.secret = made.secret
        receiver.answer(("drip", 0.2))
        shop.book(9, kind=shop.offer.free)
        began = time.monotonic()
        shop.run_jobs(datetime.now(UTC) + timedelta(seconds=1))
        took = time.monotonic() - began
        assert 1.4 < took < 3.5  # the drip was cut off at the deadline
        [fast] = other.received
        assert fast.verified and fast.at - began < 1.0  # sent beside the slow one, not after it
    dripped, sent = _deliveries(shop)
    assert (dripped.status, dripped.response_code, dripped.last_error) == ("pending", None, "no answer within 1.5 s")
    assert (sent.status, sent.response_code) == ("succeeded", 200)


def test_an_address_that_turned_private_gets_nothing(shop: Shop, receiver: Receiver,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _register(shop, receiver, ["booking.confirmed"])
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "false")
    get_settings.cache_clear()
    shop.book(9, kind=shop.offer.free)
    shop.run_jobs()
    [refused] = _deliveries(shop)
    assert receiver.received == [] and refused.status == "pending" and "private or local" in refused.last_error


def test_old_finished_deliveries_are_forgotten_after_30_days(shop: Shop, receiver: Receiver) -> None:
    from booking_app.jobs.handlers import JOB_TYPES
    from booking_app.jobs.queue import ClaimedJob

    endpoint_id = _register(shop, receiver, ["booking.confirmed"])
    receiver.answer(500)
    shop.book(9, kind=shop.offer.free)
    shop.book(11, kind=shop.offer.free, email="second@example.com")
    shop.run_jobs()  # one delivered, one pending (its first attempt got a 500)
    assert sorted(d.status for d in _deliveries(shop)) == ["pending", "succeeded"]
    forget = JOB_TYPES["forget_old_records"].run
    forget(ClaimedJob(0, "forget_old_records", {}, None, 1, 1, "test"), datetime.now(UTC) + timedelta(days=29))
    assert len(_deliveries(shop)) == 2
    forget(ClaimedJob(0, "forget_old_records", {}, None, 1, 1, "test"), datetime.now(UTC) + timedelta(days=31))
    assert [d.status for d in _deliveries(shop)] == ["pending"]  # still being retried: kept
    assert _endpoint(shop, endpoint_id) is not None
