"""Moving a paid booking (issue 14, part 1), through the API and the services on both
databases: same token, payment kept, old time freed, new time taken, SEQUENCE grown; every
refusal leaves the booking as it was; concurrent moves and a move racing a new booking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings.reschedule import reschedule_as_builder, reschedule_as_customer
from booking_app.errors import Conflict, DomainError, Forbidden, NotFound
from booking_app.models import BookingEvent, Job
from tests.factories import make_builder
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id, paid_booking


def moved_to(shop: Shop, token: str, hour: int):
    return shop.client.post(f"/api/bookings/{token}/reschedule", json={"start": at(shop.day, hour)})


def snapshot(shop: Shop, token: str) -> tuple:
    booking, payments, refunds = shop.rows(token)
    return (booking.start_at, booking.end_at, booking.status, booking.calendar_sequence,
            [(p.id, p.status) for p in payments], len(refunds))


def test_a_paid_booking_moves_keeping_its_token_and_payment(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    before = shop.rows(booking["token"])
    response = moved_to(shop, booking["token"], 14)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["token"], body["status"], body["start"][:16]) == (booking["token"], "confirmed",
                                                                   datetime.fromisoformat(at(shop.day, 14))
                                                                   .astimezone(UTC).isoformat()[:16])
    after = shop.rows(booking["token"])
    assert after[0].id == before[0].id and after[0].calendar_sequence == 1
    assert [(p.id, p.status) for p in after[1]] == [(p.id, p.status) for p in before[1]]  # the payment stays
    assert shop.book(10, email="next@example.com")["status"] == "pending_payment"  # the old time is free
    taken = shop.client.post("/api/bookings", json=dict(session_type_id=shop.offer.paid.id, start=at(shop.day, 14),
                                                        name="Late", email="late@example.com", timezone="UTC"))
    assert taken.status_code == 409  # the new one is not
    with Session(shop.engine) as session:
        detail = session.exec(select(BookingEvent.detail).where(BookingEvent.kind == "rescheduled")).one()
        mails = session.exec(select(Job.payload).where(Job.kind == "email")).all()
    assert detail.startswith("from ") and " to " in detail
    moved_mails = [(m["recipient"], m.get("sequence")) for m in mails if m["template"] == "booking_moved"]
    assert sorted(moved_mails, key=str) == [("builder", None), ("customer", 1)]


@pytest.mark.parametrize(("hour", "status", "message"), [
    (10, 422, messages.RESCHEDULE_SAME_TIME),
    (12, 409, messages.SLOT_TAKEN),  # another customer's booking
    (20, 422, messages.NOT_A_SLOT),  # outside the builder's hours
])
def test_bad_moves_are_refused_and_change_nothing(shop: Shop, hour: int, status: int, message: str) -> None:
    booking = paid_booking(shop, 10)
    paid_booking(shop, 12, email="other@example.com")
    before = snapshot(shop, booking["token"])
    response = moved_to(shop, booking["token"], hour)
    assert (response.status_code, response.json()["message"]) == (status, message)
    assert snapshot(shop, booking["token"]) == before


def test_customers_cannot_move_after_the_cutoff_builders_can_until_the_start(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    start = datetime.fromisoformat(booking["start"])
    late = start - timedelta(hours=23)
    with pytest.raises(Conflict) as refused:
        reschedule_as_customer(booking["token"], datetime.fromisoformat(at(shop.day, 14)), now=late)
    assert "24 hours before the start" in refused.value.message
    ada = shop.offer.builder.user_id
    reschedule_as_builder(actor_user_id=ada, booking_id=booking_id(shop, booking["token"]),
                          start=datetime.fromisoformat(at(shop.day, 14)), now=late, message="A clash, sorry")
    moved = shop.rows(booking["token"])[0]
    assert moved.start_at == datetime.fromisoformat(at(shop.day, 14)) and moved.calendar_sequence == 1
    with pytest.raises(Conflict):  # nobody moves a session that has started
        reschedule_as_builder(actor_user_id=ada, booking_id=moved.id, start=datetime.fromisoformat(at(shop.day, 15)),
                              now=moved.start_at + timedelta(minutes=1))


def test_only_its_builder_moves_a_booking_as_builder(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    with Session(shop.engine, expire_on_commit=False) as session:
        intruder = make_builder(session, slug="mallory")
        session.commit()
    before = snapshot(shop, booking["token"])
    for actor, refusal in ((intruder.user_id, NotFound), (None, Forbidden)):
        with pytest.raises(refusal):
            reschedule_as_builder(actor_user_id=actor, booking_id=booking_id(shop, booking["token"]),
                                  start=datetime.fromisoformat(at(shop.day, 14)), now=datetime.now(UTC))
    assert snapshot(shop, booking["token"]) == before


def test_unpaid_and_cancelled_bookings_are_not_moved(shop: Shop) -> None:
    hold = shop.book(10)
    response = moved_to(shop, hold["token"], 14)
    assert (response.status_code, response.json()["message"]) == (409, messages.RESCHEDULE_NOT_CONFIRMED)
    booking = paid_booking(shop, 12, email="other@example.com")
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    assert moved_to(shop, booking["token"], 14).status_code == 409


def _race(calls) -> list[str]:
    barrier, outcomes = threading.Barrier(len(calls)), []

    def run(call) -> None:
        barrier.wait()
        try:
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_bookings_moving_into_the_same_free_time_at_once_one_wins(shop: Shop) -> None:
    first, second = paid_booking(shop, 10), paid_booking(shop, 12, email="other@example.com")
    target = datetime.fromisoformat(at(shop.day, 14))
    now = datetime.now(UTC)
    outcomes = _race([lambda t=b["token"]: reschedule_as_customer(t, target, now=now) for b in (first, second)])
    assert outcomes == ["Conflict", "ok"]
    starts = sorted(shop.rows(b["token"])[0].start_at for b in (first, second))
    assert target in starts and len(set(starts)) == 2


def test_a_move_racing_a_new_booking_for_the_same_time_one_wins(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    target = at(shop.day, 14)

    def new_booking() -> None:
        response = shop.client.post("/api/bookings", json=dict(session_type_id=shop.offer.paid.id, start=target,
                                                               name="Rival", email="rival@example.com", timezone="UTC"))
        if response.status_code == 409:
            raise Conflict(response.json()["message"])
        assert response.status_code == 201, response.json()

    outcomes = _race([lambda: reschedule_as_customer(booking["token"], datetime.fromisoformat(target),
                                                     now=datetime.now(UTC)), new_booking])
    assert outcomes == ["Conflict", "ok"]
    with Session(shop.engine) as session:
        from booking_app.models import Booking

        at_target = session.exec(select(Booking).where(Booking.start_at == datetime.fromisoformat(target),
                                                       Booking.status.in_(("confirmed", "pending_payment")))).all()
    assert len(at_target) == 1  # never both


def test_a_group_seat_moves_to_a_free_seat_of_another_slot_never_into_a_full_one(shop: Shop) -> None:
    workshop = shop.offer.group  # 3 seats
    seats = []
    for n in range(3):
        booking = shop.book(10, kind=workshop, email=f"seat{n}@example.com")
        shop.choose(booking, "pay")
        shop.deliver()
        seats.append(booking["token"])
    first = shop.book(14, kind=workshop, email="other@example.com")
    shop.choose(first, "pay")
    shop.deliver()
    response = moved_to(shop, seats[0], 14)
    assert response.status_code == 200, response.json()
    moved = shop.rows(seats[0])[0]
    others = shop.rows(first["token"])[0]
    assert (moved.occupancy_key, moved.calendar_sequence) == (others.occupancy_key, 1)
    assert moved.seat != others.seat  # a seat of its own in the new slot
    # Its old seat is free again: a new customer gets it.
    assert shop.book(10, kind=workshop, email="new@example.com")["status"] == "pending_payment"
    # 14:00 has 2 of 3 seats taken; fill it, then a move into it is refused and nothing moves.
    full = shop.book(14, kind=workshop, email="last@example.com")
    shop.choose(full, "pay")
    shop.deliver()
    before = snapshot(shop, seats[1])
    response = moved_to(shop, seats[1], 14)
    assert (response.status_code, response.json()["message"]) == (409, messages.SLOT_TAKEN)
    assert snapshot(shop, seats[1]) == before
