"""Issue 19, findings 2 and 10, through signed webhook deliveries: refunds made in Stripe's
Dashboard are recorded (they used to answer 503 for ever, or be only acknowledged, leaving the
payment "paid" with nothing refunded), and a signed event for a Checkout Session Stripe does
not have is ignored with 200 (it used to answer 502, so Stripe kept retrying)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from booking_app.models import EmulatorObject, PaymentStatus, RefundStatus, StripeEvent
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refund_faults import timeline
from tests.integration.payments.test_refunds_and_late_payment import paid_booking
from tests.integration.payments.test_webhooks import post_event


def _events_since(shop: Shop, seen: set[str], types: tuple[str, ...]) -> list[dict]:
    with Session(shop.engine) as session:
        rows = session.exec(select(EmulatorObject).where(EmulatorObject.object_type == "event")).all()
    return sorted((row.data for row in rows if row.id not in seen and row.data["type"] in types),
                  key=lambda e: (e["created"], e["id"]))


def _event_ids(shop: Shop) -> set[str]:
    with Session(shop.engine) as session:
        return set(session.exec(select(EmulatorObject.id).where(EmulatorObject.object_type == "event")).all())


@pytest.mark.parametrize("first", ["refund.updated", "charge.refunded"])
def test_a_partial_refund_made_in_the_stripe_dashboard_is_recorded(shop: Shop, first: str) -> None:
    booking = paid_booking(shop)  # £150.00, confirmed
    payment = shop.rows(booking["token"])[1][-1]
    before = _event_ids(shop)
    shop.control("dashboard_refund", payment_intent=payment.payment_intent_id, amount=5000)
    events = _events_since(shop, before, ("refund.updated", "charge.refunded"))
    events.sort(key=lambda e: e["type"] != first)  # either order of arrival
    answers = [post_event(shop, event) for event in events]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json()["outcome"].startswith("recorded")
    state = shop.state(booking["token"])
    assert (state["payment_status"], state["amount_refunded"]) == ("partially_refunded", 5000)
    _, [payment], [refund] = shop.rows(booking["token"])
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 5000)
    assert (refund.status, refund.amount, refund.stripe_refund_id[:3]) == (RefundStatus.SUCCEEDED, 5000, "re_")
    assert "Dashboard" in refund.reason
    assert timeline(shop, booking["token"])[-2:] == ["refund_requested", "refund_succeeded"]
    # A later cancellation refunds only what is left, once.
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["payment_status"], state["amount_refunded"]) == ("refunded", 15000)
    assert sorted(r.amount for r in shop.rows(booking["token"])[2]) == [5000, 10000]


def test_the_events_of_our_own_refunds_are_not_counted_twice(shop: Shop) -> None:
    booking = paid_booking(shop)
    before = _event_ids(shop)
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()
    events = _events_since(shop, before, ("refund.updated", "charge.refunded"))
    for event in events:
        assert post_event(shop, event).status_code == 200
    _, [payment], refunds = shop.rows(booking["token"])
    assert [(r.amount, r.status) for r in refunds] == [(15000, RefundStatus.SUCCEEDED)]
    assert payment.amount_refunded == 15000


def test_a_signed_event_for_a_checkout_session_stripe_does_not_have_is_ignored(shop: Shop) -> None:
    event = {"id": "evt_unknown_session", "object": "event", "type": "checkout.session.completed",
             "data": {"object": {"id": "cs_test_does_not_exist", "object": "checkout.session"}}}
    response = post_event(shop, event)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "ignored: unknown checkout session"
    with Session(shop.engine) as session:
        assert session.exec(select(StripeEvent.event_id)).all() == ["evt_unknown_session"]
    assert post_event(shop, event).json()["outcome"] == "duplicate"


def test_a_dashboard_refund_while_one_of_ours_is_in_flight_is_recorded_not_deferred_for_ever(shop: Shop) -> None:
    booking = paid_booking(shop)
    payment = shop.rows(booking["token"])[1][-1]
    shop.control("faults", refunds="fail")  # our refund cannot reach Stripe: it stays owed, without a Stripe id
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()
    shop.control("faults", refunds="ok")
    before = _event_ids(shop)
    shop.control("dashboard_refund", payment_intent=payment.payment_intent_id, amount=2000)
    [event] = _events_since(shop, before, ("refund.updated",))
    response = post_event(shop, event)
    assert response.status_code == 200, response.text  # was 503 ("not recorded yet"), for every retry
    assert response.json()["outcome"].startswith("recorded")
    refunds = shop.rows(booking["token"])[2]
    assert sorted((r.amount, r.status) for r in refunds) == [(2000, RefundStatus.SUCCEEDED),
                                                             (15000, RefundStatus.PENDING)]
