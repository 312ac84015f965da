"""Money owed is paid: refunds through a Stripe outage, a late payment's refund, a refund made
by hand in Stripe's Dashboard, and one Stripe refuses for good — on both databases, through
the real SDK and the emulator, with the timeline read back from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from booking_app import messages
from booking_app.models import BookingEvent, Job, JobStatus, RefundStatus
from booking_app.payments.gateway import get_gateway
from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import paid_booking

LATER = timedelta(hours=2)  # past any backoff the tests meet


def timeline(shop: Shop, token: str) -> list[str]:
    """The booking's events without its e-mails (their own tests are in tests/integration/mail)."""
    booking = shop.rows(token)[0]
    with Session(shop.engine) as session:
        kinds = session.exec(select(BookingEvent.kind).where(BookingEvent.booking_id == booking.id)
                             .order_by(BookingEvent.id))
        return [kind for kind in kinds if not kind.startswith("email_")]


def refunds_at_stripe(shop: Shop, token: str) -> list[int]:
    payment = shop.rows(token)[1][-1]
    return [refund.amount for refund in get_gateway().list_refunds(payment.payment_intent_id)]


def refund_jobs(shop: Shop) -> list[Job]:
    with Session(shop.engine) as session:
        return list(session.exec(select(Job).where(Job.kind == "refund").order_by(Job.id)))


def test_a_cancellation_during_a_stripe_outage_answers_at_once_and_the_refund_follows(shop: Shop) -> None:
    booking = paid_booking(shop)
    token = booking["token"]
    shop.control("faults", refunds="fail")
    response = shop.client.post(f"/api/bookings/{token}/cancel")
    assert response.status_code == 200  # not "try again in a minute": the refund is promised
    body = response.json()
    assert (body["status"], body["refund_pending"], body["amount_refunded"]) == ("cancelled", 15000, 0)

    now = datetime.now(UTC)
    shop.run_jobs(now)  # Stripe fails: the refund waits for its next attempt
    shop.run_jobs(now + LATER)  # and fails again
    _, _, refunds = shop.rows(token)
    assert [(r.status, r.stripe_refund_id) for r in refunds] == [(RefundStatus.PENDING, None)]
    [job] = refund_jobs(shop)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 2) and "Stripe unreachable" in job.last_error
    state = shop.state(token)
    assert (state["refund_pending"], state["refund_needs_attention"]) == (15000, 0)  # said honestly
    retry = shop.client.post(f"/api/bookings/{token}/cancel")  # the customer tries again meanwhile
    assert (retry.status_code, retry.json()["message"]) == (409, messages.ALREADY_CANCELLED)

    shop.control("faults", refunds="ok")  # Stripe recovers
    shop.run_jobs(now + 2 * LATER)
    shop.deliver()
    state = shop.state(token)
    assert (state["payment_status"], state["amount_refunded"], state["refund_pending"]) == ("refunded", 15000, 0)
    assert refunds_at_stripe(shop, token) == [15000]  # exactly one refund
    assert refund_jobs(shop)[0].status == JobStatus.SUCCEEDED
    assert timeline(shop, token) == ["held", "checkout_opened", "paid", "confirmed", "cancelled", "refund_requested",
                                     "refund_retrying", "refund_retrying", "refund_succeeded"]


def test_the_refund_of_a_late_payment_survives_an_outage_and_redelivery(shop: Shop) -> None:
    booking = shop.book()
    shop.expire_hold_in_db(booking["token"])
    paid_booking(shop, 10, email="rival@example.com")  # someone else took the time
    shop.control("faults", refunds="fail")
    shop.control("deliveries", duplicate=True)  # Stripe delivers the payment event twice
    shop.choose(booking, "pay")
    shop.deliver()
    now = datetime.now(UTC)
    shop.run_jobs(now)  # the refund owed for the late payment: Stripe fails
    shop.deliver()  # redeliveries are duplicates; the refund is already promised
    state = shop.state(booking["token"])
    assert (state["status"], state["refund_pending"], state["amount_refunded"]) == ("cancelled", 15000, 0)
    shop.control("faults", refunds="ok")
    shop.run_jobs(now + LATER)
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["payment_status"], state["amount_refunded"], state["refund_pending"]) == ("refunded", 15000, 0)
    assert refunds_at_stripe(shop, booking["token"]) == [15000]
    assert timeline(shop, booking["token"]) == ["held", "checkout_opened", "expired", "cancelled", "paid",
                                                "refund_requested", "refund_retrying", "refund_succeeded"]


def test_a_refund_already_made_in_the_stripe_dashboard_is_reconciled_not_sent_twice(shop: Shop) -> None:
    booking = paid_booking(shop)
    payment = shop.rows(booking["token"])[1][-1]
    shop.control("dashboard_refund", payment_intent=payment.payment_intent_id)  # by hand, outside the app
    # Not delivered yet (or lost): the app does not know of the refund when the customer cancels.
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()  # Stripe refuses (nothing left to refund); reconciled with the Dashboard's refund
    state = shop.state(booking["token"])
    assert (state["payment_status"], state["amount_refunded"], state["refund_pending"]) == ("refunded", 15000, 0)
    assert refunds_at_stripe(shop, booking["token"]) == [15000]
    _, _, refunds = shop.rows(booking["token"])
    assert [r.status for r in refunds] == [RefundStatus.SUCCEEDED] and refunds[0].stripe_refund_id.startswith("re_")
    assert timeline(shop, booking["token"])[-3:] == ["refund_requested", "refund_reconciled", "refund_succeeded"]
    shop.deliver()  # the Dashboard refund's events come late: the same refund, nothing counted twice
    assert shop.state(booking["token"])["amount_refunded"] == 15000
    assert len(shop.rows(booking["token"])[2]) == 1


def test_a_refund_stripe_refuses_for_good_is_flagged_for_a_person(shop: Shop) -> None:
    booking = paid_booking(shop)
    payment = shop.rows(booking["token"])[1][-1]
    shop.control("dashboard_refund", payment_intent=payment.payment_intent_id, amount=5000)  # part, by hand
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()  # £150 cannot be refunded: only £100 is left at Stripe
    state = shop.state(booking["token"])
    assert (state["refund_needs_attention"], state["refund_pending"], state["amount_refunded"]) == (15000, 0, 0)
    assert timeline(shop, booking["token"])[-2:] == ["refund_requested", "refund_failed"]
    assert refunds_at_stripe(shop, booking["token"]) == [5000]
    assert refund_jobs(shop)[0].status == JobStatus.SUCCEEDED  # handled: flagged, not retried for ever


def test_a_refund_job_that_runs_out_of_attempts_is_dead_visible_and_can_be_retried(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    booking = paid_booking(shop)
    shop.control("faults", refunds="fail")
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    now = datetime.now(UTC)
    shop.run_jobs(now)
    shop.run_jobs(now + LATER)
    [job] = refund_jobs(shop)
    assert job.status == JobStatus.DEAD
    state = shop.state(booking["token"])
    assert (state["refund_needs_attention"], state["refund_pending"]) == (15000, 0)
    assert timeline(shop, booking["token"])[-1] == "refund_failed"
    from booking_app.jobs.queue import retry_dead

    shop.control("faults", refunds="ok")
    assert retry_dead(job.id, now=now + LATER)
    shop.run_jobs(now + 2 * LATER)
    state = shop.state(booking["token"])
    assert (state["amount_refunded"], state["refund_needs_attention"], state["refund_pending"]) == (15000, 0, 0)
    assert refunds_at_stripe(shop, booking["token"]) == [15000]


def test_customers_cannot_cancel_a_session_that_has_started_paid_or_free(shop: Shop) -> None:
    paid = paid_booking(shop)
    free = shop.book(12, kind=shop.offer.free, email="free@example.com")
    for booking in (paid, free):
        shop.move_into_the_past(booking["token"])
        state = shop.state(booking["token"])
        assert (state["can_cancel"], state["cancel_refusal"]) == (False, messages.SESSION_STARTED)
        response = shop.client.post(f"/api/bookings/{booking['token']}/cancel")
        assert (response.status_code, response.json()["message"]) == (409, messages.SESSION_STARTED)
        assert shop.state(booking["token"])["status"] == "confirmed"
    assert "cancelled" not in timeline(shop, paid["token"]) and refund_jobs(shop) == []
