"""No double booking, ever: concurrent holds for one builder's time, on SQLite and PostgreSQL.

Threads (20) and processes (4, started with "spawn") are released together by a barrier and
each calls ``create_hold``. When the requested times overlap exactly one may win; every other
request must get the clean ``Conflict`` (HTTP 409) with the slot-taken message, never a driver
error such as SQLite's "database is locked" or a PostgreSQL deadlock, and nothing half-written
may remain. Requests for times that do not overlap must all succeed.

Every racer uses its own e-mail and client address so the unpaid-hold limit never interferes.
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from booking_app import messages
from booking_app.errors import Conflict
from booking_app.models import Booking, BookingStatus, SessionType
from booking_app.bookings import holds, queries, transitions
from booking_app.scheduling import service
from booking_app.bookings.holds import HoldRequest
from tests.integration.scheduling import race_worker
from tests.integration.scheduling.conftest import MONDAY_9, NOW, Offer

THREADS = 20
PROCESSES = 4
TIMEOUT = 60  # seconds; a barrier or join only waits this long when something is broken


@dataclass(frozen=True)
class Attempt:
    kind: SessionType
    start: datetime

    @property
    def blocked(self) -> tuple[datetime, datetime]:
        """The span ``[blocked_start, blocked_end)`` this request would occupy."""
        begin = self.start - timedelta(minutes=self.kind.buffer_before_minutes)
        end = self.start + timedelta(minutes=self.kind.duration_minutes + self.kind.buffer_after_minutes)
        return begin, end


def at(hours: float, *, day: int = 0) -> datetime:
    """London = UTC in December: ``at(9.5, day=1)`` is Tuesday 09:30."""
    return MONDAY_9 + timedelta(days=day, hours=hours - 9)


def email(index: int) -> str:
    return f"racer{index}@example.com"


def client(index: int) -> str:
    return f"10.2.0.{index}"


def race_threads(offer: Offer, attempts: list[Attempt]) -> list[Booking | BaseException]:
    """Run one ``create_hold`` per attempt, all released at once; the outcome of each in order."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Booking | BaseException | None] = [None] * len(attempts)

    def run(index: int, attempt: Attempt) -> None:
        request = HoldRequest(
            session_type_id=attempt.kind.id, start=attempt.start, name=f"Racer {index}", email=email(index),
            timezone="America/New_York", client_address=client(index),
        )
        try:
            barrier.wait(TIMEOUT)
            outcomes[index] = holds.create_hold(request, now=NOW, engine=offer.engine)
        except BaseException as exc:  # every outcome is judged by the test, none is lost
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i, a), daemon=True) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    assert all(outcome is not None for outcome in outcomes)
    return outcomes  # type: ignore[return-value]


def race_processes(url: str, attempts: list[Attempt]) -> list[str]:
    """Like ``race_threads`` with one spawned process per attempt; outcomes are the worker's
    strings ("ok", "conflict" or "error: …")."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(attempts))
    results = context.Queue()
    processes = [
        context.Process(
            target=race_worker.hold_in_process,
            args=(url, barrier, results, i, a.kind.id, a.start, email(i), client(i), NOW),
            daemon=True,
        )
        for i, a in enumerate(attempts)
    ]
    for process in processes:
        process.start()
    outcomes: list[str | None] = [None] * len(attempts)
    try:
        for _ in attempts:  # drain the queue before joining, or a child may block on put
            index, outcome = results.get(timeout=TIMEOUT)
            outcomes[index] = outcome
    finally:
        for process in processes:
            process.join(TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
    assert [p.exitcode for p in processes] == [0] * len(attempts), outcomes
    return outcomes  # type: ignore[return-value]


def describe(outcomes: list[Booking | BaseException]) -> str:
    """Failure detail: the traceback of every outcome that is neither a booking nor a clean 409."""
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not is_clean_conflict(o)]
    return "\n".join("".join(traceback.format_exception(exc)) for exc in unexpected) or repr(outcomes)


def is_clean_conflict(outcome: object) -> bool:
    return type(outcome) is Conflict and outcome.message == messages.SLOT_TAKEN


def stored_bookings(offer: Offer) -> list[Booking]:
    with Session(offer.engine) as session:
        return list(session.exec(select(Booking).order_by(Booking.blocked_start, Booking.id)))


def assert_no_overlap(bookings: list[Booking]) -> None:
    """No two active bookings of one builder have overlapping ``[blocked_start, blocked_end)``."""
    active = [b for b in bookings if b.status in BookingStatus.active()]
    for i, first in enumerate(active):
        for second in active[i + 1:]:
            if first.builder_id != second.builder_id or first.occupancy_key == second.occupancy_key:
                continue
            overlap = first.blocked_start < second.blocked_end and second.blocked_start < first.blocked_end
            assert not overlap, f"double booking: {first} and {second}"


def assert_nothing_left_open(offer: Offer) -> None:
    """Every racer's session was closed and its connection returned to the pool."""
    assert offer.engine.pool.checkedout() == 0


def assert_matches(booking: Booking, attempt: Attempt, index: int) -> None:
    assert (booking.session_type_id, booking.start_at, booking.customer_email) == (
        attempt.kind.id, attempt.start, email(index)
    )
    assert (booking.blocked_start, booking.blocked_end) == attempt.blocked
    assert booking.status == BookingStatus.PENDING_PAYMENT


# ----------------------------------------------------------------------------- threads


def test_twenty_threads_for_one_slot_one_wins_the_rest_get_a_clean_conflict(offer: Offer) -> None:
    attempts = [Attempt(offer.paid, MONDAY_9)] * THREADS

    outcomes = race_threads(offer, attempts)

    winners = [i for i, o in enumerate(outcomes) if isinstance(o, Booking)]
    losers = [o for o in outcomes if not isinstance(o, Booking)]
    assert len(winners) == 1, describe(outcomes)
    assert len(losers) == THREADS - 1 and all(is_clean_conflict(o) for o in losers), describe(outcomes)
    # Exactly the winner's row was written; the losers left nothing behind.
    (stored,) = stored_bookings(offer)
    (index,) = winners
    assert stored.id == outcomes[index].id
    assert_matches(stored, attempts[index], index)
    assert_nothing_left_open(offer)


def test_overlapping_requests_of_different_lengths_let_exactly_one_win(offer: Offer) -> None:
    # Every pair overlaps: the 60 minute session at 09:00 blocks 09:00-10:15 (its 15 minute
    # buffer), the 90 minute one blocks 09:30-11:00 or 10:00-11:30.
    kinds = [Attempt(offer.paid, at(9)), Attempt(offer.long, at(9.5)), Attempt(offer.paid, at(9)),
             Attempt(offer.long, at(10))]
    attempts = [kinds[i % len(kinds)] for i in range(THREADS)]
    for i, first in enumerate(kinds):
        for second in kinds[i + 1:]:
            assert first.blocked[0] < second.blocked[1] and second.blocked[0] < first.blocked[1]

    outcomes = race_threads(offer, attempts)

    winners = [i for i, o in enumerate(outcomes) if isinstance(o, Booking)]
    assert len(winners) == 1, describe(outcomes)
    assert all(is_clean_conflict(o) for o in outcomes if not isinstance(o, Booking)), describe(outcomes)
    stored = stored_bookings(offer)
    assert_no_overlap(stored)
    (index,) = winners
    assert [b.id for b in stored] == [outcomes[index].id]
    assert_matches(stored[0], attempts[index], index)
    assert_nothing_left_open(offer)


def test_a_crowd_of_partly_overlapping_requests_never_double_books(offer: Offer) -> None:
    # Monday's hourly 60 minute sessions and half-hourly 90 minute ones, interleaved: which
    # ones win depends on timing, but winners never overlap and every loser overlaps a winner.
    hourly = [Attempt(offer.paid, at(9 + h)) for h in range(8)]
    half_hourly = [Attempt(offer.long, at(9 + h / 2)) for h in range(13)]
    attempts = [a for pair in zip(half_hourly, hourly + hourly, strict=False) for a in pair][:THREADS]
    assert len(attempts) == THREADS

    outcomes = race_threads(offer, attempts)

    assert all(isinstance(o, Booking) or is_clean_conflict(o) for o in outcomes), describe(outcomes)
    winners = {o.id: attempts[i] for i, o in enumerate(outcomes) if isinstance(o, Booking)}
    stored = stored_bookings(offer)
    assert sorted(b.id for b in stored) == sorted(winners)
    assert_no_overlap(stored)
    won = [a.blocked for a in winners.values()]
    for attempt, outcome in zip(attempts, outcomes, strict=True):
        if not isinstance(outcome, Booking):
            begin, end = attempt.blocked
            assert any(b < end and begin < e for b, e in won), f"{attempt} lost without a reason"
    assert_nothing_left_open(offer)


def test_twenty_threads_for_twenty_separate_slots_all_succeed(offer: Offer) -> None:
    # 09:00, 11:00, 13:00 and 15:00 on each weekday: the 15 minute buffer after a 60 minute
    # session would make neighbouring hours overlap, every other hour does not.
    attempts = [Attempt(offer.paid, at(hour, day=day)) for day in range(5) for hour in (9, 11, 13, 15)]
    assert len(attempts) == THREADS

    outcomes = race_threads(offer, attempts)

    assert all(isinstance(o, Booking) for o in outcomes), describe(outcomes)
    for index, (attempt, booking) in enumerate(zip(attempts, outcomes, strict=True)):
        assert_matches(booking, attempt, index)
    stored = stored_bookings(offer)
    assert sorted(b.id for b in stored) == sorted(o.id for o in outcomes)
    assert_no_overlap(stored)
    assert_nothing_left_open(offer)


# ----------------------------------------------------------------------------- processes


def test_four_processes_for_one_slot_one_wins_the_rest_get_a_clean_conflict(
    offer: Offer, database_url: str
) -> None:
    attempt = Attempt(offer.paid, MONDAY_9)

    outcomes = race_processes(database_url, [attempt] * PROCESSES)

    expected = [race_worker.CONFLICT] * (PROCESSES - 1) + [race_worker.OK]
    assert sorted(outcomes) == expected, "\n".join(outcomes)
    (stored,) = stored_bookings(offer)
    assert_matches(stored, attempt, outcomes.index(race_worker.OK))


def test_four_processes_for_separate_slots_all_succeed(offer: Offer, database_url: str) -> None:
    # 09:00-10:15, 11:00-12:15, 12:30-14:00 on Monday and a free intro on Tuesday.
    attempts = [Attempt(offer.paid, at(9)), Attempt(offer.paid, at(11)), Attempt(offer.long, at(12.5)),
                Attempt(offer.free, at(9, day=1))]

    outcomes = race_processes(database_url, attempts)

    assert outcomes == [race_worker.OK] * PROCESSES, "\n".join(outcomes)
    stored = stored_bookings(offer)
    assert sorted((b.session_type_id, b.start_at, b.customer_email) for b in stored) == sorted(
        (a.kind.id, a.start, email(i)) for i, a in enumerate(attempts)
    )
    assert_no_overlap(stored)
