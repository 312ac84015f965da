"""The webhook endpoint: only genuine, fresh events change anything, each at most once."""

from __future__ import annotations

import json
import time

import pytest
import stripe
from sqlmodel import Session, func, select

from booking_app.models import StripeEvent
from booking_app.payments.signing import EMULATOR_WEBHOOK_SECRET
from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop

WEBHOOK = "/api/stripe/webhook"


def emulator_events(shop: Shop) -> list[dict]:
    """The events the emulator made (delivered or not)."""
    from booking_app.models import EmulatorObject

    with Session(shop.engine) as session:
        return [row.data for row in session.exec(select(EmulatorObject).where(EmulatorObject.object_type == "event"))]


def completed_event(shop: Shop, booking: dict) -> dict:
    """Pay without delivering, and return the checkout.session.completed event Stripe made."""
    shop.choose(booking, "pay")
    return next(e for e in emulator_events(shop) if e["type"] == "checkout.session.completed")


def post_event(shop: Shop, event: dict, *, secret: str = EMULATOR_WEBHOOK_SECRET, age: int = 0,
               header: str | None = "sign"):
    """POST ``event`` signed ``age`` seconds ago (or with a given raw header, or none)."""
    body = json.dumps(event)
    timestamp = int(time.time()) - age
    headers = {"content-type": "application/json"}
    if header == "sign":
        headers["stripe-signature"] = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    elif header is not None:
        headers["stripe-signature"] = header
    return shop.client.post(WEBHOOK, content=body.encode(), headers=headers)


def processed_events(shop: Shop) -> int:
    with Session(shop.engine) as session:
        return session.exec(select(func.count()).select_from(StripeEvent)).one()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"header": None}, "missing"),
        ({"header": "t=123,v1=deadbeef"}, "tolerance"),
        ({"secret": "whsec_forged"}, "no signature matches"),
        ({"age": 310}, "tolerance"),  # clear of the boundary (tested exactly in tests/unit)
        ({"age": -310}, "tolerance"),  # from the future
        ({"header": "garbage"}, "malformed"),
    ],
)
def test_bad_signatures_get_400_and_change_nothing(shop: Shop, kwargs: dict, reason: str) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    response = post_event(shop, event, **kwargs)
    assert response.status_code == 400 and reason in response.json()["message"]
    assert shop.state(booking["token"])["status"] == "pending_payment"
    assert processed_events(shop) == 0


def test_a_tampered_body_is_refused(shop: Shop) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, EMULATOR_WEBHOOK_SECRET)
    tampered = body.replace('"paid"', '"unpaid"', 1)
    response = shop.client.post(WEBHOOK, content=tampered.encode(), headers={"stripe-signature": header})
    assert response.status_code == 400


def test_every_configured_secret_is_accepted_during_rotation(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_new_rotated,whsec_old_retiring")
    get_settings.cache_clear()
    booking = shop.book()
    event = completed_event(shop, booking)
    assert post_event(shop, event, secret="whsec_old_retiring").status_code == 200
    assert shop.state(booking["token"])["status"] == "confirmed"
    assert post_event(shop, event, secret=EMULATOR_WEBHOOK_SECRET).status_code == 400


def test_duplicate_deliveries_are_processed_once(shop: Shop) -> None:
    booking = shop.book()
    event = completed_event(shop, booking)
    first, second = post_event(shop, event), post_event(shop, event)
    assert first.json()["outcome"] == "confirmed" and second.json()["outcome"] == "duplicate"
    assert processed_events(shop) == 1


def test_duplicated_and_reordered_delivery_ends_in_the_same_state(shop: Shop) -> None:
    shop.control("deliveries", duplicate=True, reorder=True)
    paid, delayed = shop.book(10), shop.book(12, email="x@example.com")
    shop.choose(paid, "pay")
    shop.choose(delayed, "delayed_success")
    shop.control("clock", seconds=200)
    shop.deliver()
    assert shop.state(paid["token"])["status"] == "confirmed"
    assert (shop.state(delayed["token"])["status"], shop.state(delayed["token"])["payment_status"]) == ("confirmed", "paid")
    _, payments, _ = shop.rows(paid["token"])
    assert [p.status for p in payments] == ["paid"]


def test_other_event_types_are_acknowledged_and_ignored(shop: Shop) -> None:
    event = {"id": "evt_other", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    response = post_event(shop, event)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"


def test_oversized_webhook_bodies_get_413(shop: Shop) -> None:
    response = shop.client.post(WEBHOOK, content=b"x" * (1024 * 1024 + 1), headers={"stripe-signature": "t=1,v1=x"})
    assert response.status_code == 413


def test_failing_endpoint_is_retried_by_the_emulator(shop: Shop) -> None:
    booking = shop.book()
    shop.control("deliveries", fail=True)
    shop.choose(booking, "pay")
    assert shop.deliver() == 0
    assert shop.state(booking["token"])["status"] == "pending_payment"
    shop.control("deliveries", fail=False)
    from booking_app.models import EmulatorDelivery

    with Session(shop.engine) as session:  # make the retries due now instead of in a few seconds
        for row in session.exec(select(EmulatorDelivery)):
            assert row.attempts == 1 and row.last_error
            row.due_at = row.due_at.replace(year=2000)
            session.add(row)
        session.commit()
    assert shop.deliver() >= 1
    assert shop.state(booking["token"])["status"] == "confirmed"
