"""One transaction per webhook event: the event id and its effects commit together or not at
all; a delivery that loses a race rolls back; the SDK's pooled transport maps network trouble
to a retryable answer."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, func, select

from booking_app.bookings import transitions
from booking_app.errors import PaymentError, PaymentUnavailable
from booking_app.models import StripeEvent, StripeEventOutcome
from booking_app.payments import event_log, webhooks
from booking_app.payments.gateway import PooledHTTPClient, StripeGateway, build_client
from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_webhooks import completed_event, emulator_events, post_event


def recorded(shop: Shop) -> list[tuple[str, str]]:
    with Session(shop.engine) as session:
        return [(row.event_id, row.detail) for row in session.exec(select(StripeEvent))]


def test_a_failure_after_the_payment_swap_leaves_neither_event_nor_effects(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    shop.expire_hold_in_db(booking["token"])  # the payment is late: more work after the swap

    def broken_reactivate(*_args, **_kwargs):
        raise RuntimeError("database went away mid-transaction")

    monkeypatch.setattr(transitions, "reactivate_expired_booking", broken_reactivate)
    with pytest.raises(RuntimeError):
        webhooks.process_event(event, now=datetime.now(UTC))
    _, payments, _ = shop.rows(booking["token"])
    assert [p.status for p in payments] == ["open"]  # the payment swap was rolled back too
    assert recorded(shop) == []
    monkeypatch.undo()
    assert webhooks.process_event(event, now=datetime.now(UTC)) == "confirmed late: the time was still free"
    assert shop.state(booking["token"])["status"] == "confirmed"


def test_an_event_recorded_meanwhile_rolls_back_the_confirmation_it_would_make(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    # Another delivery of the event committed its row between our look-up and our changes
    # (having seen the session before it was paid, say).
    with Session(shop.engine) as session:
        session.add(StripeEvent(event_id=event["id"], event_type=event["type"], outcome=StripeEventOutcome.PROCESSED,
                                detail="unchanged: session still open", processed_at=datetime.now(UTC)))
        session.commit()
    monkeypatch.setattr(event_log, "already_recorded", lambda _event_id: False)
    assert webhooks.process_event(event, now=datetime.now(UTC)) == "duplicate"
    _, payments, _ = shop.rows(booking["token"])
    assert [p.status for p in payments] == ["open"]
    assert shop.state(booking["token"])["status"] == "pending_payment"
    assert recorded(shop) == [(event["id"], "unchanged: session still open")]


def test_a_delivery_that_passed_the_first_check_but_lost_the_race_rolls_back(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    assert webhooks.process_event(event, now=datetime.now(UTC)) == "confirmed"
    # As if both deliveries had passed the look-up before either committed.
    monkeypatch.setattr(event_log, "already_recorded", lambda _event_id: False)
    assert webhooks.process_event(event, now=datetime.now(UTC)) == "duplicate"
    other = {"id": "evt_ignored_once", "object": "event", "type": "customer.created", "data": {"object": {"id": "c"}}}
    assert [webhooks.process_event(other, now=datetime.now(UTC)) for _ in range(2)] == ["ignored", "duplicate"]
    assert sorted(recorded(shop)) == sorted([(event["id"], "confirmed"), (other["id"], "ignored")])
    _, payments, refunds = shop.rows(booking["token"])
    assert [p.status for p in payments] == ["paid"] and refunds == []


def test_concurrent_deliveries_of_one_event_confirm_once(shop: Shop) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    barrier, answers = threading.Barrier(4), []

    def deliver() -> None:
        barrier.wait()
        answers.append(webhooks.process_event(event, now=datetime.now(UTC)))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count("confirmed") == 1
    assert set(answers) <= {"confirmed", "duplicate", "unchanged: already paid"}
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(StripeEvent)).one() == 1
    assert shop.state(booking["token"])["status"] == "confirmed"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def _stripe_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_EMULATOR_URL", f"http://127.0.0.1:{closed_port()}")
    get_settings.cache_clear()
    from booking_app.payments import gateway

    monkeypatch.setattr(gateway, "_gateway", StripeGateway(build_client()))  # the pooled transport


def test_stripe_unreachable_on_the_re_read_answers_503_and_records_nothing(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    booking = shop.book()
    shop.choose(booking, "delayed_success")  # a bank transfer: "completed", not yet paid
    event = next(e for e in emulator_events(shop) if e["type"] == "checkout.session.completed")
    assert event["data"]["object"]["payment_status"] == "unpaid"  # so it must be re-read
    _stripe_unreachable(monkeypatch)
    response = post_event(shop, event)
    assert response.status_code == 503
    assert recorded(shop) == [] and shop.state(booking["token"])["status"] == "pending_payment"


def test_a_signed_paid_session_confirms_without_asking_stripe(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """"Paid" is final for a Checkout Session, so the signed event's copy is enough: the booking
    is confirmed (and the event recorded) even while Stripe's API cannot be reached."""
    booking = shop.book()
    event = completed_event(shop, booking)
    _stripe_unreachable(monkeypatch)
    response = post_event(shop, event)
    assert response.status_code == 200, response.text
    assert shop.state(booking["token"])["status"] == "confirmed"
    _, payments, _ = shop.rows(booking["token"])
    assert [(p.status, p.payment_intent_id) for p in payments] == [
        ("paid", event["data"]["object"]["payment_intent"])]
    assert recorded(shop) == [(event["id"], "confirmed")]


def test_a_signed_paid_session_that_is_not_ours_is_recorded_and_ignored(shop: Shop) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    event["id"] = "evt_other_account"
    event["data"]["object"]["id"] = "cs_test_not_ours"
    response = post_event(shop, event)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored: unknown checkout session"
    assert shop.state(booking["token"])["status"] == "pending_payment"
    assert ("evt_other_account", "ignored: unknown checkout session") in recorded(shop)


class _FakeStripe(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    connections: set[tuple[str, int]] = set()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).connections.add(self.client_address)
        if self.path.endswith("/cs_test_known"):
            status, body = 200, {"id": "cs_test_known", "object": "checkout.session", "status": "complete",
                                 "payment_status": "paid", "payment_intent": "pi_1", "amount_total": 5000,
                                 "currency": "gbp", "expires_at": 1_900_000_000, "url": None,
                                 "metadata": {"booking_id": "7"}}
        else:
            status, body = 404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session",
                                           "code": "resource_missing"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        pass


def test_pooled_transport_reads_sessions_over_kept_alive_connections() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import stripe

        client = stripe.StripeClient("sk_test_fake", http_client=PooledHTTPClient(),
                                     base_addresses={"api": f"http://127.0.0.1:{server.server_port}"})
        gateway = StripeGateway(client)
        sessions = [gateway.retrieve_checkout_session("cs_test_known") for _ in range(3)]
        assert {(s.id, s.payment_status, s.payment_intent_id, s.booking_id) for s in sessions} == {
            ("cs_test_known", "paid", "pi_1", 7)}
        assert len(_FakeStripe.connections) == 1  # one connection, reused
        with pytest.raises(PaymentError) as refused:
            gateway.retrieve_checkout_session("cs_test_unknown")
        assert not isinstance(refused.value, PaymentUnavailable)  # a 404 is not worth retrying
    finally:
        server.shutdown()
        server.server_close()
