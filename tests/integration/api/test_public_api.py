"""The public JSON API: answers, error shapes and that bad input changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from booking_app import messages
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import Session, func, select

from booking_app.models import Booking
from tests.integration.api.conftest import at
from tests.offers import Offer


def booking_body(offer: Offer, when: str, **overrides) -> dict:
    body = dict(session_type_id=offer.paid.id, start=when, name="Grace Hopper", email="grace@example.com",
                notes="", timezone="America/New_York")
    body.update(overrides)
    return body


def count_bookings(offer: Offer) -> int:
    with Session(offer.engine) as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


def test_session_types_of_a_builder(client: TestClient) -> None:
    response = client.get("/api/builders/ada/session-types")
    assert response.status_code == 200
    body = response.json()
    assert body["builder"]["slug"] == "ada" and body["builder"]["timezone"] == "Europe/London"
    assert [k["slug"] for k in body["session_types"]] == ["intro", "build", "deep", "workshop"]
    build = body["session_types"][1]
    assert build["price"] == {"amount": 15000, "currency": "gbp", "display": "£150.00"}
    assert body["session_types"][0]["is_free"] is True
    missing = client.get("/api/builders/nobody/session-types")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_slots_come_as_utc_and_customer_local_times(client: TestClient, offer: Offer, monday: date) -> None:
    response = client.get(f"/api/session-types/{offer.paid.id}/slots",
                          params={"start": monday.isoformat(), "end": monday.isoformat(), "timezone": "Asia/Kolkata"})
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Asia/Kolkata" and body["builder_timezone"] == "Europe/London"
    first = body["slots"][0]
    start = datetime.fromisoformat(first["start"])
    local = datetime.fromisoformat(first["local_start"])
    assert start == local and local.utcoffset() == timedelta(hours=5, minutes=30)
    assert first["local_time"] == local.strftime("%H:%M") and first["seats_left"] == 1
    # Monday in Kolkata ends at 18:30 UTC: the London day fits inside it entirely.
    assert len(body["slots"]) == 8


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"start": "2026-12-07", "end": "2027-03-10", "timezone": "UTC"}, 422, "end"),
        ({"start": "2026-12-07", "end": "2026-12-06", "timezone": "UTC"}, 422, "end"),
        ({"start": "2026-12-07", "end": "2026-12-07", "timezone": "Mars/Olympus"}, 422, "timezone"),
        ({"start": "07/12/2026", "end": "2026-12-07", "timezone": "UTC"}, 422, "start"),
        ({"start": "2026-12-07", "timezone": "UTC"}, 422, "end"),
    ],
)
def test_slots_refuse_bad_queries(client: TestClient, offer: Offer, params: dict, status: int, field: str) -> None:
    response = client.get(f"/api/session-types/{offer.paid.id}/slots", params=params)
    assert response.status_code == status
    assert response.json()["field"] == field


@pytest.mark.parametrize("session_type_id", ["999", "99999999999999", "0", "abc"])
def test_slots_of_unknown_session_types(client: TestClient, session_type_id: str) -> None:
    response = client.get(f"/api/session-types/{session_type_id}/slots",
                          params={"start": "2026-12-07", "end": "2026-12-07", "timezone": "UTC"})
    assert response.status_code == (404 if session_type_id == "999" else 422)


def test_booking_a_paid_slot_returns_a_hold(client: TestClient, offer: Offer, monday: date) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), notes="Django app"))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_payment"
    assert (body["amount"], body["currency"], body["price_display"]) == (15000, "gbp", "£150.00")
    assert body["checkout_url"].startswith("https://book.example.com/api/stripe-emulator/pay/cs_test_")
    assert body["payment_status"] == "open"
    assert datetime.fromisoformat(body["hold_expires_at"]) > datetime.fromisoformat(body["start"]) - timedelta(days=30)
    assert body["manage_url"] == f"https://book.example.com/booking/{body['token']}/"
    assert body["timezone"] == "America/New_York" and body["notes"] == "Django app"
    with Session(offer.engine) as session:
        stored = session.exec(select(Booking)).one()
        assert stored.client_address == "203.0.113.7"


def test_booking_a_free_slot_confirms_it(client: TestClient, offer: Offer, monday: date) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 9), session_type_id=offer.free.id))
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed" and response.json()["hold_expires_at"] is None


def test_the_second_request_for_a_slot_gets_409(client: TestClient, offer: Offer, monday: date) -> None:
    assert client.post("/api/bookings", json=booking_body(offer, at(monday, 10))).status_code == 201
    again = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), email="other@example.com"))
    assert again.status_code == 409
    assert again.json() == {"error": "conflict", "message": "That time was just taken — please pick another."}
    assert count_bookings(offer) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "grace@"}, "email"),
        ({"email": "grace@example.invalid"}, "email"),
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"name": "x" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"notes": "x" * 5001}, "notes"),
        ({"start": "2026-12-07T10:00:00"}, "start"),  # no offset
        ({"start": "next tuesday"}, "start"),
        ({"session_type_id": 2**40}, "session_type_id"),
        ({"amount": 1}, "amount"),  # clients never send prices
    ],
)
def test_bad_booking_input_names_the_field_and_writes_nothing(
    client: TestClient, offer: Offer, monday: date, overrides: dict, field: str
) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), **overrides))
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert count_bookings(offer) == 0


@pytest.mark.parametrize(("name", "email", "notes"), [("", "grace@example.com", ""), (" " * 3, "grace@", ""),
                                                      ("x" * 201, "", "n" * 5001), ("Grace", "grace@example", "")])
def test_the_api_and_the_booking_page_say_the_same_about_customer_details(
    client: TestClient, offer: Offer, monday: date, name: str, email: str, notes: str
) -> None:
    from booking_app.bookings import customer

    expected = customer.problems(name, email, notes)  # what the wizard shows beside the fields
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), name=name, email=email,
                                                              notes=notes))
    body = response.json()
    assert response.status_code == 422 and body["message"] == expected[body["field"]]
    assert body["field"] == next(iter(expected))  # the first field at fault, in the page's order


@pytest.mark.parametrize(
    ("start_of", "message"),
    [
        (lambda monday: at(monday, 10, 10), "not one of the offered times"),
        (lambda monday: at(monday - timedelta(days=30), 10), "already passed"),
        (lambda monday: at(monday + timedelta(days=63), 10), "too far ahead"),
        (lambda monday: at(monday + timedelta(days=5), 10), "not one of the offered times"),
    ],
)
def test_times_that_are_not_offered_are_refused(client: TestClient, offer: Offer, monday: date, start_of, message) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, start_of(monday)))
    assert response.status_code == 422
    assert response.json()["field"] == "start" and message in response.json()["message"]


def test_unknown_session_type_is_404(client: TestClient, offer: Offer, monday: date) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), session_type_id=424242))
    assert response.status_code == 404


def test_oversized_bodies_are_refused_with_413(client: TestClient, offer: Offer, monday: date) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), notes="x" * 70_000))
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"

    def chunks():
        yield b'{"notes": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    chunked = client.post("/api/bookings", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert count_bookings(offer) == 0


def test_holds_are_capped_per_email_and_per_client(client: TestClient, offer: Offer, monday: date) -> None:
    for hour in (9, 11, 13):
        assert client.post("/api/bookings", json=booking_body(offer, at(monday, hour))).status_code == 201
    fourth = client.post("/api/bookings", json=booking_body(offer, at(monday, 15)))
    assert fourth.status_code == 429 and "unpaid reservations" in fourth.json()["message"]
    # Same client address, another e-mail: maybe the same person hoarding, maybe someone else
    # behind the same address (an office, a café): refused, without blaming them (issue 18).
    shared = client.post("/api/bookings", json=booking_body(offer, at(monday, 15), email="x@example.com"))
    assert shared.status_code == 429
    assert shared.json()["message"] == messages.TOO_MANY_HOLDS_SHARED_ADDRESS.format(limit=3)
    assert "You already have" not in shared.json()["message"]
    assert count_bookings(offer) == 3


def test_free_sessions_are_capped_per_address_and_per_client_per_builder_and_day(
        client: TestClient, offer: Offer, monday: date) -> None:
    """Issue 19, finding 3 (failed before: one client could take every free time of a day)."""
    def free(day: date, hour: int, email: str = "grace@example.com"):
        return client.post("/api/bookings", json=booking_body(offer, at(day, hour), session_type_id=offer.free.id,
                                                              email=email))

    assert [free(monday, hour).status_code for hour in (9, 10)] == [201, 201]
    third = free(monday, 11)
    assert third.status_code == 429
    assert third.json()["message"].startswith("You already have 2 free sessions with Ada on Monday")
    assert free(monday + timedelta(days=1), 9).status_code == 201  # another day is another day
    # Throwaway addresses from one client: 6 per builder and day, then a message that does not
    # blame the person (others may share the address).
    assert [free(monday, hour, f"other{hour}@example.com").status_code for hour in (11, 12, 13, 14)] == [201] * 4
    refused = free(monday, 15, "seventh@example.com")
    assert refused.status_code == 429 and "may not be about you" in refused.json()["message"]
    # A cancelled one no longer counts.
    with Session(offer.engine) as session:
        token = session.exec(select(Booking.public_token).where(Booking.customer_email == "other11@example.com")).one()
    assert client.post(f"/api/bookings/{token}/cancel").status_code == 200
    assert free(monday, 15, "seventh@example.com").status_code == 201


def test_booking_by_token_shows_no_internal_ids(client: TestClient, offer: Offer, monday: date) -> None:
    token = client.post("/api/bookings", json=booking_body(offer, at(monday, 10))).json()["token"]
    body = client.get(f"/api/bookings/{token}").json()
    assert body["token"] == token and body["status"] == "pending_payment"
    assert not {"id", "builder_id", "session_type_id", "user_id", "client_address"} & set(body)
    assert "id" not in body["builder"]


@pytest.mark.parametrize("token", ["unknown", "A" * 43, "x" * 200])
def test_unknown_tokens_all_get_the_same_404(client: TestClient, token: str) -> None:
    response = client.get(f"/api/bookings/{token}")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No booking was found for this link."}
    assert client.get(f"/api/bookings/{token}/calendar.ics").json() == response.json()


def test_calendar_file_parses_back(client: TestClient, offer: Offer, monday: date) -> None:
    booking = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), notes="Bring coffee")).json()
    response = client.get(f"/api/bookings/{booking['token']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime.fromisoformat(booking["start"]) and start.utcoffset() == timedelta(0)
    assert end - start == timedelta(minutes=60) and end.utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Session with Ada"
    assert booking["manage_url"] in str(event["DESCRIPTION"]) and "Bring coffee" in str(event["DESCRIPTION"])
    assert str(event["UID"]).endswith("@book.example.com") and booking["token"] not in str(event["UID"])
    assert str(event["STATUS"]) == "TENTATIVE"


def test_unknown_api_paths_answer_json_404(client: TestClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/health", "/api/builders/{slug}/session-types", "/api/session-types/{session_type_id}/slots",
            "/api/bookings", "/api/bookings/{token}", "/api/bookings/{token}/calendar.ics"} <= set(paths)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "0001-01-01", "end": "0001-01-01", "timezone": "Europe/Paris"}, "start"),
        ({"start": "9999-12-31", "end": "9999-12-31", "timezone": "UTC"}, "start"),
    ],
)
def test_slots_at_the_ends_of_the_calendar_are_refused_not_crashed(
    client: TestClient, offer: Offer, params: dict, field: str
) -> None:
    response = client.get(f"/api/session-types/{offer.paid.id}/slots", params=params)
    assert response.status_code == 422 and response.json()["field"] == field


@pytest.mark.parametrize("start", ["9999-12-31T23:59:59.999999-00:01", "0001-01-01T00:00:00+01:00"])
def test_bookings_at_the_ends_of_the_calendar_are_refused_not_crashed(
    client: TestClient, offer: Offer, start: str
) -> None:
    response = client.post("/api/bookings", json=booking_body(offer, start))
    assert response.status_code == 422 and response.json()["field"] == "start"


def test_undecodable_body_gets_the_api_error_shape(client: TestClient) -> None:
    response = client.post("/api/bookings", content=b"-<\x14\xff", headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json()["error"] in ("bad_request", "invalid_input") and response.json()["message"]


@pytest.mark.parametrize("zone", ["Factory", "posixrules", "localtime"])
def test_tz_database_files_that_are_not_places_are_refused(client: TestClient, offer: Offer, monday: date,
                                                           zone: str) -> None:
    """Issue 19, finding 14: zoneinfo loads these, so the API accepted them as time zones."""
    slots = client.get(f"/api/session-types/{offer.paid.id}/slots",
                       params={"start": monday.isoformat(), "end": monday.isoformat(), "timezone": zone})
    assert slots.status_code == 422 and slots.json()["field"] == "timezone"
    response = client.post("/api/bookings", json=booking_body(offer, at(monday, 10), timezone=zone))
    assert response.status_code == 422 and response.json()["field"] == "timezone"
    assert count_bookings(offer) == 0
