"""Customers paying through the emulator's hosted page, confirmed by signed webhooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from booking_app.bookings.reserve import start_checkout
from booking_app.payments.fulfilment import fail_delayed_payment
from tests.integration.payments.conftest import Shop, path_of


def test_paid_booking_is_confirmed_by_the_webhook(shop: Shop) -> None:
    booking = shop.book()
    assert booking["status"] == "pending_payment" and booking["payment_status"] == "open"
    assert booking["checkout_url"].startswith("http://testserver/api/stripe-emulator/pay/cs_test_")
    page = shop.client.get(path_of(booking["checkout_url"]))
    assert page.status_code == 200 and "£150.00" in page.text and "Session with Ada" in page.text

    redirect = shop.choose(booking, "pay")
    assert redirect.status_code == 303
    target = urlsplit(redirect.headers["location"])
    assert target.path == f"/booking/{booking['token']}/"
    assert parse_qs(target.query)["session_id"][0].startswith("cs_test_")
    assert shop.state(booking["token"])["status"] == "pending_payment"  # not before the webhook

    assert shop.deliver() >= 2
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("confirmed", "paid")
    row, payments, _ = shop.rows(booking["token"])
    assert payments[0].payment_intent_id.startswith("pi_") and payments[0].paid_at is not None
    assert row.confirmed_at is not None


def test_free_booking_needs_no_checkout(shop: Shop) -> None:
    booking = shop.book(kind=shop.offer.free)
    assert booking["status"] == "confirmed" and booking["checkout_url"] is None


def test_declined_card_stays_on_the_page_then_pays(shop: Shop) -> None:
    booking = shop.book()
    declined = shop.choose(booking, "decline")
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    shop.deliver()
    assert shop.state(booking["token"])["status"] == "pending_payment"
    assert shop.choose(booking, "pay").status_code == 303
    shop.deliver()
    assert shop.state(booking["token"])["status"] == "confirmed"


def test_delayed_payment_processes_then_succeeds(shop: Shop) -> None:
    booking = shop.book()
    shop.choose(booking, "delayed_success")
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("pending_payment", "processing")
    shop.control("clock", seconds=200)
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("confirmed", "paid")


def test_delayed_payment_failure_keeps_the_hold_for_another_attempt_until_it_expires(shop: Shop) -> None:
    booking = shop.book()
    shop.choose(booking, "delayed_failure")
    shop.deliver()
    shop.control("clock", seconds=200)
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("pending_payment", "failed")
    taken = shop.client.post("/api/bookings", json=dict(
        session_type_id=shop.offer.paid.id, start=booking["start"], name="Someone", email="someone@example.com",
        timezone="Europe/Paris"))
    assert taken.status_code == 409  # still held for the customer's second try

    # A second attempt with a card goes through on the same hold.
    retry = start_checkout(booking["token"], now=datetime.now(UTC))
    shop.choose({"checkout_url": retry}, "pay")
    shop.deliver()
    assert shop.state(booking["token"])["status"] == "confirmed"


def test_delayed_payment_failure_after_the_hold_expired_releases_the_time(shop: Shop) -> None:
    booking = shop.book()
    shop.choose(booking, "delayed_failure")
    shop.deliver()
    later = datetime.fromisoformat(booking["hold_expires_at"]) + timedelta(minutes=1)
    _, payments, _ = shop.rows(booking["token"])
    assert fail_delayed_payment(payments[0].checkout_session_id, now=later) == "failed: hold released"
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("expired", "failed")
    again = shop.book(email="someone@example.com")  # the time is free again
    assert again["start"] == booking["start"]


def test_checkout_expiry_releases_the_slot(shop: Shop) -> None:
    booking = shop.book()
    shop.control("clock", seconds=31 * 60)
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["payment_status"]) == ("expired", "expired")
    page = shop.client.get(path_of(booking["checkout_url"]))
    assert "expired" in page.text
    assert shop.book(email="next@example.com")["start"] == booking["start"]


def test_back_to_the_merchant_keeps_the_hold(shop: Shop) -> None:
    booking = shop.book()
    back = shop.choose(booking, "cancel")
    assert back.status_code == 303
    assert f"booking={booking['token']}" in back.headers["location"]
    assert "checkout=cancelled" in back.headers["location"]
    assert shop.state(booking["token"])["status"] == "pending_payment"


def test_the_sweep_expires_stale_holds_and_closes_their_checkout(shop: Shop) -> None:
    from datetime import UTC, datetime, timedelta

    from booking_app.bookings.expiry import expire_due_holds

    booking = shop.book()
    later = datetime.fromisoformat(booking["hold_expires_at"]) + timedelta(seconds=1)
    assert expire_due_holds(now=later) == [shop.rows(booking["token"])[0].id]
    assert expire_due_holds(now=later) == []
    assert shop.run_jobs(later) == 1  # the promised close of its Checkout Session
    assert shop.state(booking["token"])["status"] == "expired"
    assert "expired" in shop.client.get(path_of(booking["checkout_url"])).text  # can no longer be paid
    shop.deliver()
    assert shop.state(booking["token"])["payment_status"] == "expired"
    assert datetime.now(UTC) < later  # the hold was expired by the sweep, not by the real clock


def test_concurrent_try_again_clicks_on_one_hold_each_get_a_checkout(shop: Shop) -> None:
    """Two "Try again" clicks at the same moment used to collide on the attempt number (500)."""
    import threading

    booking = shop.book()
    shop.choose(booking, "cancel")  # back from Checkout without paying
    barrier, urls, errors = threading.Barrier(4), [], []

    def retry() -> None:
        barrier.wait()
        try:
            urls.append(start_checkout(booking["token"], now=datetime.now(UTC)))
        except Exception as exc:  # noqa: BLE001 - any failure is the bug
            errors.append(exc)

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(urls)) == 4
    _, payments, _ = shop.rows(booking["token"])
    assert sorted(p.attempt for p in payments) == [1, 2, 3, 4, 5]
    shop.choose({"checkout_url": urls[0]}, "pay")  # any of them pays for the booking
    shop.deliver()
    assert shop.state(booking["token"])["status"] == "confirmed"


def test_the_emulators_checkout_page_says_when_a_bank_transfer_settles(shop: Shop) -> None:
    """Issue 18: the delayed methods settle 3 minutes later in test mode; the page says so."""
    page = shop.client.get(path_of(shop.book()["checkout_url"])).text
    assert page.count("about 3 minutes later") == 2
