"""Cancellations refund what is owed, exactly once; late money never buys a taken slot."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from booking_app.bookings import cancel as cancellation
from booking_app.db import write_session
from booking_app.errors import Conflict, Forbidden, NotFound
from booking_app.models import CancelledBy, StripeEvent
from booking_app.payments import fulfilment
from booking_app.payments.refunds import owe_refund
from tests.factories import make_builder
from tests.integration.payments.conftest import Shop


def paid_booking(shop: Shop, hour: int = 10, email: str = "grace@example.com") -> dict:
    booking = shop.book(hour, email=email)
    shop.choose(booking, "pay")
    shop.deliver()
    assert shop.state(booking["token"])["status"] == "confirmed"
    return booking


def booking_id(shop: Shop, token: str) -> int:
    return shop.rows(token)[0].id


def test_builder_cancel_refunds_in_full_once(shop: Shop) -> None:
    booking = paid_booking(shop)
    result = cancellation.cancel_as_builder(actor_user_id=shop.offer.builder.user_id,
                                            booking_id=booking_id(shop, booking["token"]), now=datetime.now(UTC))
    assert result.refund_amount == 15000
    assert shop.state(booking["token"])["refund_pending"] == 15000  # promised; the job runner sends it
    shop.run_jobs()
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"], state["amount_refunded"]) == ("cancelled", "refunded", 15000)
    assert state["refund_pending"] == 0
    with pytest.raises(Conflict):
        cancellation.cancel_as_builder(actor_user_id=shop.offer.builder.user_id,
                                       booking_id=booking_id(shop, booking["token"]), now=datetime.now(UTC))
    _, payments, refunds = shop.rows(booking["token"])
    assert [(r.amount, r.status) for r in refunds] == [(15000, "succeeded")]
    # The same refund promised again (a retry) promises and sends nothing new.
    with write_session() as session:
        owe_refund(session, payments[0].id, amount=None, reason_key="builder-cancel", reason="retry",
                   now=datetime.now(UTC))
    shop.run_jobs()
    assert len(shop.rows(booking["token"])[2]) == 1


def test_another_builder_cannot_cancel_and_nothing_changes(shop: Shop) -> None:
    booking = paid_booking(shop)
    with Session(shop.engine, expire_on_commit=False) as session:
        intruder = make_builder(session, slug="mallory")
        session.commit()
    for actor, refusal in ((intruder.user_id, NotFound), (None, Forbidden)):
        with pytest.raises(refusal):
            cancellation.cancel_as_builder(actor_user_id=actor, booking_id=booking_id(shop, booking["token"]),
                                           now=datetime.now(UTC))
    assert shop.state(booking["token"])["status"] == "confirmed" and not shop.rows(booking["token"])[2]


def test_customer_cancel_before_the_cutoff_is_refunded(shop: Shop) -> None:
    booking = paid_booking(shop)
    assert shop.state(booking["token"])["refund_if_cancelled_now"] == 15000
    response = shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    assert response.status_code == 200
    shop.run_jobs()
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["amount_refunded"], state["payment_status"]) == ("cancelled", 15000, "refunded")
    assert shop.rows(booking["token"])[0].cancelled_by == CancelledBy.CUSTOMER
    assert shop.client.post(f"/api/bookings/{booking['token']}/cancel").status_code == 409


def test_customer_cancel_after_the_cutoff_gets_no_refund(shop: Shop) -> None:
    booking = paid_booking(shop)
    start = datetime.fromisoformat(booking["start"])
    late = start - timedelta(hours=23)  # inside the 24-hour cut-off
    result = cancellation.cancel_as_customer(booking["token"], now=late)
    assert result.refund_amount == 0
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"], state["amount_refunded"]) == ("cancelled", "paid", 0)
    assert shop.rows(booking["token"])[2] == []


def test_cancelling_an_unpaid_hold_closes_its_checkout(shop: Shop) -> None:
    booking = shop.book()
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()
    page = shop.client.get("/" + booking["checkout_url"].split("/", 3)[3])
    assert "expired" in page.text
    shop.deliver()
    assert shop.state(booking["token"])["payment_status"] == "expired"


def test_late_payment_confirms_when_the_time_is_still_free(shop: Shop) -> None:
    booking = shop.book()
    shop.expire_hold_in_db(booking["token"])
    shop.choose(booking, "pay")  # the customer was still on the checkout page
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("confirmed", "paid")


def test_late_payment_for_a_taken_time_is_refunded_automatically(shop: Shop) -> None:
    booking = shop.book()
    shop.expire_hold_in_db(booking["token"])
    rival = paid_booking(shop, 10, email="rival@example.com")  # someone else took the time
    shop.choose(booking, "pay")
    shop.deliver()
    shop.run_jobs()
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"], state["amount_refunded"]) == ("cancelled", "refunded", 15000)
    row = shop.rows(booking["token"])[0]
    assert row.cancelled_by == CancelledBy.SYSTEM and "refunded" in row.cancellation_reason
    assert shop.state(rival["token"])["status"] == "confirmed"


def test_webhook_and_return_page_fulfilling_at_once_confirm_once(shop: Shop) -> None:
    booking = shop.book()
    redirect = shop.choose(booking, "pay")
    session_id = redirect.headers["location"].split("session_id=")[1]
    barrier, outcomes = threading.Barrier(4), []

    def fulfil() -> None:
        barrier.wait()
        outcomes.append(fulfilment.fulfil_checkout_session(session_id, now=datetime.now(UTC)))

    threads = [threading.Thread(target=fulfil) for _ in range(3)]
    for thread in threads:
        thread.start()
    barrier.wait()
    shop.deliver()  # the webhook arrives at the same moment
    for thread in threads:
        thread.join()
    with Session(shop.engine) as session:
        webhook = session.exec(select(StripeEvent.detail).where(StripeEvent.event_type == "checkout.session.completed")).one()
    assert (outcomes + [webhook]).count("confirmed") == 1  # one winner; the rest saw it done
    _, payments, refunds = shop.rows(booking["token"])
    assert [p.status for p in payments] == ["paid"] and refunds == []
    assert shop.state(booking["token"])["status"] == "confirmed"
