"""A session type's booking terms on both databases (issue 14, part 2): refund tiers paid out
as quoted (partial refunds through Stripe), the customers' cancellation cut-off, the meeting
location shown only once confirmed (page data, API, .ics), the phone number asked for phone
calls, booking questions and their answers, and the builder's completed / no-show marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings import view
from booking_app.bookings.attendance import mark_attendance
from booking_app.bookings.cancel import cancel_as_customer
from booking_app.dashboard.bookings import booking_detail, revenue_summary
from booking_app.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking_app.models import BookingEvent, SessionType
from tests.factories import make_builder
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id

THREE_TIERS = [{"hours_before": 24, "percent": 100}, {"hours_before": 12, "percent": 50}]
QUESTIONS = [
    {"id": "goal", "label": "What should we build?", "kind": "short_text", "required": True, "choices": []},
    {"id": "stage", "label": "Where is your app today?", "kind": "choice", "required": True,
     "choices": ["An idea", "A prototype"]},
    {"id": "story", "label": "Anything else?", "kind": "long_text", "required": False, "choices": []},
    {"id": "terms", "label": "I have read the notes", "kind": "checkbox", "required": True, "choices": []},
]
GOOD_ANSWERS = {"goal": " A  booking app ", "stage": "A prototype", "terms": True}


def set_terms(shop: Shop, kind: SessionType, **terms: object) -> None:
    with Session(shop.engine) as session:
        row = session.get(SessionType, kind.id)
        for name, value in terms.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def pay(shop: Shop, booking: dict) -> dict:
    shop.choose(booking, "pay")
    shop.deliver()
    state = shop.state(booking["token"])
    assert state["status"] == "confirmed"
    return state


def book(shop: Shop, kind: SessionType, hour: int = 10, **extra: object):
    body = dict(session_type_id=kind.id, start=at(shop.day, hour), name="Grace Hopper", email="grace@example.com",
                timezone="Europe/London", **extra)
    return shop.client.post("/api/bookings", json=body)


# --- refund tiers and the cancellation cut-off --------------------------------------------------


@pytest.mark.parametrize(("notice_hours", "refunded", "payment_status"), [
    (30, 21000, "refunded"),  # 24 h or more: everything
    (18, 10500, "partially_refunded"),  # 12 h or more: half, through Stripe
    (6, 0, "paid"),  # less: nothing
])
def test_a_customer_cancellation_refunds_its_tier_exactly_as_quoted(
        shop: Shop, notice_hours: int, refunded: int, payment_status: str) -> None:
    set_terms(shop, shop.offer.long, refund_tiers=THREE_TIERS)
    booking = book(shop, shop.offer.long).json()
    pay(shop, booking)
    now = datetime.fromisoformat(booking["start"]) - timedelta(hours=notice_hours)
    quoted = view.by_token(booking["token"], now=now)
    assert quoted.refund_if_cancelled_now == refunded
    assert quoted.refund_policy == "Full refund until 24 hours before the start, 50 % until 12 hours before, none after."
    result = cancel_as_customer(booking["token"], now=now)
    assert result.refund_amount == refunded
    shop.run_jobs(now)  # the refund job was promised at the cancellation's time
    shop.deliver()
    state = shop.state(booking["token"])
    assert (state["status"], state["amount_refunded"], state["refund_pending"]) == ("cancelled", refunded, 0)
    assert state["payment_status"] == payment_status
    assert [r.amount for r in shop.rows(booking["token"])[2]] == ([refunded] if refunded else [])


def test_terms_are_frozen_on_the_booking_when_it_is_made(shop: Shop) -> None:
    booking = book(shop, shop.offer.long).json()
    set_terms(shop, shop.offer.long, refund_tiers=[], cancel_cutoff_hours=700, location_kind="in_person",
              location_detail="Elsewhere")
    state = pay(shop, booking)
    assert state["refund_tiers"] == [{"hours_before": 24, "percent": 100}] and state["cancel_cutoff_hours"] == 0
    assert state["location_kind"] == "builder_sends" and state["refund_if_cancelled_now"] == 21000


def test_customers_cannot_cancel_after_the_cutoff_and_nothing_changes(shop: Shop) -> None:
    set_terms(shop, shop.offer.paid, cancel_cutoff_hours=720)  # 30 days: the booking is two weeks ahead
    booking = book(shop, shop.offer.paid).json()
    state = pay(shop, booking)
    assert (state["can_cancel"], state["refund_if_cancelled_now"]) == (False, 0)
    assert state["cancel_refusal"].startswith("This booking can no longer be cancelled here: cancellations close "
                                              "720 hours before the start")
    response = shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    assert (response.status_code, response.json()["message"]) == (409, state["cancel_refusal"])
    after = shop.rows(booking["token"])
    assert after[0].status == "confirmed" and after[2] == []
    # Moving is refused too at that point, and the message does not offer cancelling.
    late = datetime.fromisoformat(booking["start"]) - timedelta(hours=2)
    refusal = view.by_token(booking["token"], now=late).customer_reschedule_refusal
    assert "Contact the builder" in refusal and "cancel it" not in refusal


def test_a_hold_can_always_be_given_up_whatever_the_cutoff(shop: Shop) -> None:
    set_terms(shop, shop.offer.paid, cancel_cutoff_hours=720)
    hold = book(shop, shop.offer.paid).json()
    assert shop.state(hold["token"])["can_cancel"] is True


# --- the location -------------------------------------------------------------------------------


def test_the_video_link_is_given_once_the_booking_is_paid_never_before(shop: Shop) -> None:
    link = "https://meet.example.com/ada"
    set_terms(shop, shop.offer.paid, location_kind="video", location_detail=link)
    hold = book(shop, shop.offer.paid).json()
    assert (hold["location_kind"], hold["location"], hold["location_url"]) == ("video", "", None)
    calendar = Calendar.from_ical(shop.client.get(hold["calendar_url"]).content)
    assert "LOCATION" not in calendar.walk("VEVENT")[0] and link not in calendar.to_ical().decode()
    state = pay(shop, hold)
    assert (state["location"], state["location_url"]) == (f"Video call: {link}", link)
    event = Calendar.from_ical(shop.client.get(hold["calendar_url"]).content).walk("VEVENT")[0]
    assert (str(event["location"]), str(event["url"])) == (link, link)


def test_an_address_goes_into_the_calendar_event(shop: Shop) -> None:
    set_terms(shop, shop.offer.free, location_kind="in_person", location_detail="1 Main Street, London")
    booking = book(shop, shop.offer.free).json()
    assert booking["location"] == "In person: 1 Main Street, London"
    event = Calendar.from_ical(shop.client.get(booking["calendar_url"]).content).walk("VEVENT")[0]
    assert str(event["location"]) == "1 Main Street, London"
    assert str(event["url"]) == booking["manage_url"]


@pytest.mark.parametrize(("phone", "message"), [
    ("", messages.PHONE_REQUIRED), ("12", messages.PHONE_INVALID), ("not a number", messages.PHONE_INVALID),
    ("+44 7700 900000 ext 12345678901234567890123", messages.PHONE_INVALID),
])
def test_a_phone_call_needs_a_number_that_can_be_called(shop: Shop, phone: str, message: str) -> None:
    set_terms(shop, shop.offer.free, location_kind="phone")
    response = book(shop, shop.offer.free, phone=phone)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["message"]) == ("phone", message)
    with Session(shop.engine) as session:
        assert session.exec(select(BookingEvent)).first() is None  # nothing was written


def test_a_phone_number_without_country_code_is_read_in_the_customers_country(shop: Shop) -> None:
    set_terms(shop, shop.offer.free, location_kind="phone")
    booking = book(shop, shop.offer.free, phone="020 7946 0958").json()
    assert booking["phone"] == "+442079460958"
    assert booking["location"] == "Phone call: Ada calls you on +44 20 7946 0958"
    other = book(shop, shop.offer.paid, 13, phone="020 7946 0958").json()
    assert other["phone"] is None  # asked only when the session is a phone call


# --- questions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({"stage": "An idea", "terms": True}, "answers.goal", messages.ANSWER_REQUIRED),
    ({**GOOD_ANSWERS, "goal": "   "}, "answers.goal", messages.ANSWER_REQUIRED),
    ({**GOOD_ANSWERS, "stage": "Finished"}, "answers.stage", messages.ANSWER_NOT_A_CHOICE),
    ({**GOOD_ANSWERS, "terms": False}, "answers.terms", messages.ANSWER_REQUIRED_CHECKBOX),
    ({**GOOD_ANSWERS, "goal": "x" * 201}, "answers.goal", "Keep this answer to 200 characters or fewer."),
    ({**GOOD_ANSWERS, "story": "x" * 2001}, "answers.story", "Keep this answer to 2,000 characters or fewer."),
    ({**GOOD_ANSWERS, "nope": "?"}, "answers.nope", "This session type asks no question “nope”."),
])
def test_bad_answers_are_refused_with_the_question_named(shop: Shop, answers: dict, field: str, message: str) -> None:
    set_terms(shop, shop.offer.paid, questions=QUESTIONS)
    response = book(shop, shop.offer.paid, answers=answers)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["message"]) == (field, message)


def test_answers_are_kept_with_their_questions_as_asked(shop: Shop) -> None:
    set_terms(shop, shop.offer.paid, questions=QUESTIONS)
    listed = shop.client.get("/api/builders/ada/session-types").json()["session_types"]
    assert next(k for k in listed if k["slug"] == "build")["questions"][1]["choices"] == ["An idea", "A prototype"]
    booking = book(shop, shop.offer.paid, answers=GOOD_ANSWERS).json()
    expected = [
        {"id": "goal", "question": "What should we build?", "kind": "short_text", "answer": "A booking app"},
        {"id": "stage", "question": "Where is your app today?", "kind": "choice", "answer": "A prototype"},
        {"id": "terms", "question": "I have read the notes", "kind": "checkbox", "answer": True},
    ]
    assert booking["answers"] == expected
    # The builder rewords a question later: the booking keeps what the customer was asked.
    set_terms(shop, shop.offer.paid, questions=[{**QUESTIONS[0], "label": "Reworded"}])
    assert shop.state(booking["token"])["answers"] == expected
    detail = booking_detail(actor_user_id=shop.offer.builder.user_id, booking_id=booking_id(shop, booking["token"]),
                            now=datetime.now(UTC))
    assert detail.answers == [["What should we build?", "A booking app"], ["Where is your app today?", "A prototype"],
                              ["I have read the notes", "Yes"]]


# --- completed and no-show ----------------------------------------------------------------------


def test_builders_mark_past_sessions_completed_or_no_show(shop: Shop) -> None:
    booking = book(shop, shop.offer.paid).json()
    pay(shop, booking)
    ada, number = shop.offer.builder.user_id, booking_id(shop, booking["token"])
    with pytest.raises(Conflict, match="once it has started"):
        mark_attendance(actor_user_id=ada, booking_id=number, attendance="completed", now=datetime.now(UTC))
    shop.move_into_the_past(booking["token"])
    now = datetime.now(UTC)
    with pytest.raises(InvalidInput):
        mark_attendance(actor_user_id=ada, booking_id=number, attendance="late", now=now)
    with Session(shop.engine, expire_on_commit=False) as session:
        intruder = make_builder(session, slug="mallory")
        session.commit()
    with pytest.raises(NotFound):  # another builder's booking is "not found", like an unknown id
        mark_attendance(actor_user_id=intruder.user_id, booking_id=number, attendance="no_show", now=now)
    with pytest.raises(Forbidden):
        mark_attendance(actor_user_id=None, booking_id=number, attendance="no_show", now=now)
    assert shop.rows(booking["token"])[0].attendance is None
    mark_attendance(actor_user_id=ada, booking_id=number, attendance="no_show", now=now)
    mark_attendance(actor_user_id=ada, booking_id=number, attendance="no_show", now=now)  # again: no new event
    assert revenue_summary(actor_user_id=ada, now=now).no_shows_30_days == 1
    mark_attendance(actor_user_id=ada, booking_id=number, attendance="completed", now=now)  # a mistaken click
    revenue = revenue_summary(actor_user_id=ada, now=now)
    assert (revenue.completed_30_days, revenue.no_shows_30_days) == (1, 0)
    assert shop.state(booking["token"])["attendance"] == "completed"
    detail = booking_detail(actor_user_id=ada, booking_id=number, now=now)
    assert detail.row.attendance == "completed" and detail.can_mark_attendance
    assert [item.title for item in detail.timeline if item.title.startswith("Marked")] == [
        "Marked no-show", "Marked completed"]


def test_cancelled_bookings_are_not_marked(shop: Shop) -> None:
    booking = book(shop, shop.offer.paid).json()
    pay(shop, booking)
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.move_into_the_past(booking["token"])
    with pytest.raises(Conflict, match="Only a confirmed booking"):
        mark_attendance(actor_user_id=shop.offer.builder.user_id, booking_id=booking_id(shop, booking["token"]),
                        attendance="completed", now=datetime.now(UTC))
