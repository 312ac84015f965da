"""The per-process hold queue in ``holds.create_hold``, on SQLite and PostgreSQL.

Holds for one builder pass through an in-process queue before the write transaction; whoever
reaches its turn after the slot was taken is answered from a plain read, without taking the
database's write lock. The queue is an optimisation only: the check inside the write
transaction (and PostgreSQL's constraint) stays the guard, across processes too.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlmodel import Session, func, select

from booking_app.bookings import holds, queries, transitions
from booking_app import messages
from booking_app.errors import Conflict
from booking_app.models import Booking
from booking_app.scheduling import service
from booking_app.bookings.holds import HoldRequest
from tests.integration.scheduling.conftest import MONDAY_9, NOW, Offer

CLIENTS = 8
TIMEOUT = 60


def request(offer: Offer, number: int, *, start=MONDAY_9, kind=None) -> HoldRequest:
    return HoldRequest(session_type_id=(kind or offer.paid).id, start=start, name="Grace Hopper",
                       email=f"queue{number}@example.com", timezone="Europe/London",
                       client_address=f"10.7.0.{number}")


def booking_count(offer: Offer) -> int:
    with Session(offer.engine) as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


@pytest.fixture
def write_transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the write transactions ``create_hold`` opens (one entry per transaction)."""
    opened: list[int] = []
    real = holds.write_session

    @contextmanager
    def counting(engine=None):
        opened.append(threading.get_ident())
        with real(engine) as session:
            yield session

    monkeypatch.setattr(holds, "write_session", counting)
    return opened


def race(offer: Offer, requests: list[HoldRequest]) -> list[object]:
    """``create_hold`` for each request on its own thread, released together."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[object] = [None] * len(requests)

    def run(index: int) -> None:
        barrier.wait(TIMEOUT)
        try:
            outcomes[index] = holds.create_hold(requests[index], now=NOW, engine=offer.engine)
        except Exception as exc:  # noqa: BLE001 - reported through the outcomes
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return outcomes


def test_requests_that_lose_the_race_in_one_process_never_open_a_write_transaction(
    offer: Offer, write_transactions: list[int]
) -> None:
    outcomes = race(offer, [request(offer, n) for n in range(CLIENTS)])

    winners = [o for o in outcomes if isinstance(o, Booking)]
    losers = [o for o in outcomes if not isinstance(o, Booking)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Conflict) and o.message == messages.SLOT_TAKEN for o in losers), outcomes
    assert len(write_transactions) == 1  # the winner's; the others learnt from a read
    assert booking_count(offer) == 1


def test_requests_for_different_slots_all_pass_through_the_queue(offer: Offer) -> None:
    starts = [MONDAY_9.replace(hour=9 + 2 * n) for n in range(4)]  # 60 min + 15 min buffer: no overlap
    outcomes = race(offer, [request(offer, n, start=start) for n, start in enumerate(starts)])

    assert all(isinstance(o, Booking) for o in outcomes), outcomes
    assert sorted(o.start_at for o in outcomes) == starts


def test_the_write_transaction_still_refuses_a_slot_taken_after_the_quick_check(
    offer: Offer, monkeypatch: pytest.MonkeyPatch, write_transactions: list[int]
) -> None:
    # As if another process committed its hold after both of this request's reads: only the
    # check inside the write transaction can see it.
    holds.create_hold(request(offer, 1), now=NOW, engine=offer.engine)
    monkeypatch.setattr(holds, "_already_taken", lambda *args: False)
    monkeypatch.setattr(holds, "_blocked_by_others", lambda *args: False)
    write_transactions.clear()

    with pytest.raises(Conflict, match="just taken"):
        holds.create_hold(request(offer, 2), now=NOW, engine=offer.engine)
    assert len(write_transactions) == 1
    assert booking_count(offer) == 1


def test_a_stuck_queue_delays_but_does_not_block_a_hold(offer: Offer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(holds, "_QUEUE_TIMEOUT_S", 0.05)
    with holds._builder_queue(offer.engine, offer.builder.id):  # someone never lets go
        booking = holds.create_hold(request(offer, 1), now=NOW, engine=offer.engine)
    assert booking.start_at == MONDAY_9
    assert booking_count(offer) == 1


def test_group_seats_are_sold_through_the_queue(offer: Offer) -> None:
    tuesday_9 = MONDAY_9.replace(day=8)
    outcomes = race(offer, [request(offer, n, start=tuesday_9, kind=offer.group) for n in range(5)])

    sold = [o for o in outcomes if isinstance(o, Booking)]
    assert sorted(b.seat for b in sold) == [1, 2, 3], outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, Booking)), outcomes
