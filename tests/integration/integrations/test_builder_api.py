"""The builder API (/api/me) on both databases, through the app with the Stripe emulator:
every operation as the owner's key, another builder's key, a revoked key and none — 401 or
404 for the strangers, and nothing changed; filters and cursor pages; the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from booking_app.models import BookingEvent, Job, Refund, WebhookEndpoint
from tests.integration.api.conftest import at
from tests.integration.integrations.conftest import Keys
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id, paid_booking

PUBLIC_URL = "https://93.184.215.14/hooks"  # a public address: no DNS look-up needed


def _state(shop: Shop) -> tuple:
    """Everything a refused call must leave alone."""
    with Session(shop.engine) as session:
        return (session.exec(select(func.count()).select_from(BookingEvent)).one(),
                session.exec(select(func.count()).select_from(Job)).one(),
                session.exec(select(func.count()).select_from(Refund)).one(),
                session.exec(select(func.count()).select_from(WebhookEndpoint)).one())


def _strangers(keys: Keys) -> list[tuple[str | None, int]]:
    return [(None, 401), (keys.revoked, 401), ("mh_live_not-a-key", 401), (keys.bob, 404)]


@pytest.fixture
def booked(shop: Shop, keys: Keys) -> dict:
    booking = paid_booking(shop, 10)
    return {**booking, "id": booking_id(shop, booking["token"])}


def test_reading_a_booking(shop: Shop, keys: Keys, booked: dict) -> None:
    path = f"/api/me/bookings/{booked['id']}"
    for key, status in _strangers(keys):
        response = shop.client.get(path, headers=keys.header(key))
        assert response.status_code == status, (key, response.json())
        assert response.json()["error"] == ("unauthorized" if status == 401 else "not_found")
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert shop.client.get("/api/me/bookings/999999", headers=keys.header(keys.ada)).status_code == 404
    body = shop.client.get(path, headers=keys.header(keys.ada)).json()
    assert (body["id"], body["status"], body["amount_paid"], body["customer_email"]) == (
        booked["id"], "confirmed", 15000, "grace@example.com")
    assert "token" not in body and "manage_url" not in body  # never the customer's private link
    assert booked["token"] not in str(body)


def test_listing_is_the_keys_builder_only_with_filters_and_cursor_pages(shop: Shop, keys: Keys, booked: dict) -> None:
    free = shop.book(9, kind=shop.offer.free, email="free@example.com")
    hold = shop.book(14, email="hold@example.com")  # unpaid
    for key in (None, keys.revoked):
        assert shop.client.get("/api/me/bookings", headers=keys.header(key)).status_code == 401
    assert shop.client.get("/api/me/bookings", headers=keys.header(keys.bob)).json() == {"data": [],
                                                                                         "next_cursor": None}
    everything = shop.client.get("/api/me/bookings", headers=keys.header(keys.ada)).json()
    assert [b["customer_email"] for b in everything["data"]] == ["free@example.com", "grace@example.com",
                                                                 "hold@example.com"]
    confirmed = shop.client.get("/api/me/bookings", params={"status": "confirmed"}, headers=keys.header(keys.ada))
    assert [b["status"] for b in confirmed.json()["data"]] == ["confirmed", "confirmed"]
    pending = shop.client.get("/api/me/bookings", params={"status": "pending_payment"}, headers=keys.header(keys.ada))
    assert [b["customer_email"] for b in pending.json()["data"]] == [hold["customer_email"]]
    window = shop.client.get("/api/me/bookings", params={"from": at(shop.day, 10), "to": at(shop.day, 14)},
                             headers=keys.header(keys.ada))
    assert [b["id"] for b in window.json()["data"]] == [booked["id"]]
    # Pages of one, linked by the cursor, end with null.
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = shop.client.get("/api/me/bookings", params=params, headers=keys.header(keys.ada)).json()
        seen += [b["customer_email"] for b in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [b["customer_email"] for b in everything["data"]]
    assert free["status"] == "confirmed"


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"status": "paid"}, "status", "status must be one of"),
    ({"cursor": "not-a-cursor"}, "cursor", "cursor"),
    ({"from": "2026-12-07T10:00:00+00:00", "to": "2026-12-07T09:00:00+00:00"}, "to", "after"),
    ({"from": "2026-12-07T10:00:00"}, "from", "timezone"),
    ({"limit": 0}, "limit", "greater than"),
])
def test_bad_filters_are_named(shop: Shop, keys: Keys, params: dict, field: str, words: str) -> None:
    response = shop.client.get("/api/me/bookings", params=params, headers=keys.header(keys.ada))
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field and words in response.json()["message"].lower()


def test_cancelling_refunds_in_full_and_only_for_the_owner(shop: Shop, keys: Keys, booked: dict) -> None:
    path = f"/api/me/bookings/{booked['id']}/cancel"
    before = _state(shop)
    for key, status in _strangers(keys):
        assert shop.client.post(path, headers=keys.header(key), json={"reason": "x"}).status_code == status
    assert _state(shop) == before and shop.rows(booked["token"])[0].status == "confirmed"
    response = shop.client.post(path, headers=keys.header(keys.ada), json={"reason": "Ill, sorry"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["cancelled_by"], body["cancellation_reason"], body["refund_pending"]) == (
        "cancelled", "builder", "Ill, sorry", 15000)
    shop.run_jobs()
    shop.deliver()
    booking, payments, refunds = shop.rows(booked["token"])
    assert [(r.amount, r.status) for r in refunds] == [(15000, "succeeded")] and payments[0].status == "refunded"
    again = shop.client.post(path, headers=keys.header(keys.ada))
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_rescheduling_moves_only_the_owners_booking(shop: Shop, keys: Keys, booked: dict) -> None:
    path = f"/api/me/bookings/{booked['id']}/reschedule"
    before, start = _state(shop), shop.rows(booked["token"])[0].start_at
    for key, status in _strangers(keys):
        response = shop.client.post(path, headers=keys.header(key), json={"start": at(shop.day, 14)})
        assert response.status_code == status
    assert _state(shop) == before and shop.rows(booked["token"])[0].start_at == start
    response = shop.client.post(path, headers=keys.header(keys.ada),
                                json={"start": at(shop.day, 14), "message": "A clash, sorry"})
    assert response.status_code == 200, response.json()
    new_start = datetime.fromisoformat(at(shop.day, 14)).astimezone(UTC)
    assert datetime.fromisoformat(response.json()["start"]) == new_start
    assert shop.rows(booked["token"])[0].start_at == new_start
    bad = shop.client.post(path, headers=keys.header(keys.ada), json={"start": at(shop.day, 20)})
    assert bad.status_code == 422 and bad.json()["field"] == "start"
    naive = shop.client.post(path, headers=keys.header(keys.ada), json={"start": "2026-12-07T10:00:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "start"


def test_webhook_endpoints_belong_to_the_keys_builder(shop: Shop, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"url": PUBLIC_URL, "events": ["booking.confirmed", "booking.cancelled"]}
    before = _state(shop)
    for key in (None, keys.revoked):
        assert shop.client.post("/api/me/webhooks", json=body, headers=keys.header(key)).status_code == 401
        assert shop.client.get("/api/me/webhooks", headers=keys.header(key)).status_code == 401
    assert _state(shop) == before
    created = shop.client.post("/api/me/webhooks", json=body, headers=keys.header(keys.ada))
    assert created.status_code == 201, created.json()
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
    assert endpoint["events"] == ["booking.confirmed", "booking.cancelled"]
    listed = shop.client.get("/api/me/webhooks", headers=keys.header(keys.ada)).json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert shop.client.get("/api/me/webhooks", headers=keys.header(keys.bob)).json() == []
    path = f"/api/me/webhooks/{endpoint['id']}"
    for key, status in _strangers(keys):
        assert shop.client.delete(path, headers=keys.header(key)).status_code == status
    assert _state(shop)[3] == 1
    assert shop.client.delete(path, headers=keys.header(keys.ada)).status_code == 204
    assert shop.client.delete(path, headers=keys.header(keys.ada)).status_code == 404
    assert _state(shop)[3] == 0


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"url": "", "events": ["booking.confirmed"]}, "url", "enter the url"),
    ({"url": "ftp://example.com/x", "events": ["booking.confirmed"]}, "url", "https://"),
    ({"url": "https://user:pw@93.184.215.14/", "events": ["booking.confirmed"]}, "url", "passwords"),
    ({"url": "https://" + "a" * 2000 + ".com/", "events": ["booking.confirmed"]}, "url", "2000"),
    ({"url": "https://no-such-host.invalid/x", "events": ["booking.confirmed"]}, "url", "cannot be found"),
    ({"url": "http://127.0.0.1:9/x", "events": ["booking.confirmed"]}, "url", "private or local"),
    ({"url": "http://10.1.2.3/x", "events": ["booking.confirmed"]}, "url", "private or local"),
    ({"url": "http://[::ffff:169.254.169.254]/x", "events": ["booking.confirmed"]}, "url", "private or local"),
    ({"url": PUBLIC_URL, "events": []}, "events", "at least one"),
    ({"url": PUBLIC_URL, "events": ["booking.created"]}, "events", "not an event we send"),
    ({"url": PUBLIC_URL}, "events", "field required"),
])
def test_bad_endpoints_are_refused_with_the_reason(shop: Shop, keys: Keys, body: dict, field: str,
                                                   words: str) -> None:
    response = shop.client.post("/api/me/webhooks", json=body, headers=keys.header(keys.ada))
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field and words in response.json()["message"].lower()
    assert _state(shop)[3] == 0


def test_the_openapi_document_has_the_bearer_scheme(shop: Shop) -> None:
    document = shop.client.get("/api/openapi.json").json()
    assert document["components"]["securitySchemes"]["BuilderApiKey"] == {
        "type": "http", "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["BuilderApiKey"]["description"]}
    for path, method in (("/api/me/bookings", "get"), ("/api/me/bookings/{booking_id}", "get"),
                         ("/api/me/bookings/{booking_id}/cancel", "post"),
                         ("/api/me/bookings/{booking_id}/reschedule", "post"), ("/api/me/webhooks", "get"),
                         ("/api/me/webhooks", "post"), ("/api/me/webhooks/{endpoint_id}", "delete")):
        assert document["paths"][path][method]["security"] == [{"BuilderApiKey": []}], (path, method)
    assert "/api/bookings/{token}" in document["paths"]  # the public API is still there
