"""Issue 19, finding 9: control characters (a NUL byte above all, which PostgreSQL cannot store)
in any typed text are refused with a 422 naming the field, on both databases — not a 500 from
the database — and nothing is written. Newlines and tabs stay allowed where text may span lines.
(Failed before the fix: on PostgreSQL the API answered 500 with an unhandled DataError.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings.cancel import cancel_as_builder
from booking_app.errors import InvalidInput
from booking_app.models import Booking, SessionType
from booking_app.offers import service as offers
from booking_app.offers.service import SessionTypeDraft
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id, paid_booking


def body(shop: Shop, **fields) -> dict:
    return dict(session_type_id=shop.offer.free.id, start=at(shop.day, 10), name="Grace Hopper",
                email="grace@example.com", timezone="Europe/London", **fields)


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "Grace\x00Hopper"}, "name"),
    ({"notes": "a note\x00"}, "notes"),
    ({"notes": "bell \x07"}, "notes"),
    ({"notes": "C1 \x85 control"}, "notes"),
    ({"name": "Grace\x1bHopper"}, "name"),
])
def test_control_characters_in_a_booking_are_refused_by_field(shop: Shop, fields: dict, field: str) -> None:
    response = shop.client.post("/api/bookings", json={**body(shop), **fields})
    assert response.status_code == 422, response.text
    assert (response.json()["field"], response.json()["message"]) == (field, messages.CONTROL_CHARACTERS)
    with Session(shop.engine) as session:
        assert session.exec(select(Booking)).first() is None


def test_line_breaks_and_tabs_are_kept_in_notes(shop: Shop) -> None:
    response = shop.client.post("/api/bookings", json=body(shop, notes="line one\r\nline two\tend"))
    assert response.status_code == 201, response.text
    assert response.json()["notes"] == "line one\r\nline two\tend"


def test_control_characters_in_answers_and_reasons_are_refused(shop: Shop) -> None:
    with Session(shop.engine) as session:
        kind = session.get(SessionType, shop.offer.free.id)
        kind.questions = [{"id": "goal", "label": "Goal?", "kind": "short_text", "required": False, "choices": []}]
        session.add(kind)
        session.commit()
    response = shop.client.post("/api/bookings", json=body(shop, answers={"goal": "x\x00"}))
    assert (response.status_code, response.json()["field"]) == (422, "answers.goal")
    booking = paid_booking(shop, 12)
    response = shop.client.post(f"/api/bookings/{booking['token']}/cancel", json={"reason": "bye\x00"})
    assert (response.status_code, response.json()["field"]) == (422, "reason")
    with pytest.raises(InvalidInput):
        cancel_as_builder(actor_user_id=shop.offer.builder.user_id, booking_id=booking_id(shop, booking["token"]),
                          now=datetime.now(UTC), reason="\x00")
    assert shop.state(booking["token"])["status"] == "confirmed"


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "Intro\x00"}, "title"), ({"description": "\x00"}, "description"),
    ({"location_kind": "in_person", "location_detail": "1 Main St\x00"}, "location_detail"),
    ({"questions": [{"label": "Why\x00", "kind": "short_text"}]}, "questions"),
])
def test_control_characters_in_a_session_type_are_refused(shop: Shop, fields: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        offers.create_session_type(shop.offer.builder.user_id,
                                   SessionTypeDraft(**{"title": "T", "duration_minutes": 30, **fields}))
    assert (refused.value.field, refused.value.message) == (field, messages.CONTROL_CHARACTERS)
