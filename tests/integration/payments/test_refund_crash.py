"""A refund owed survives the app being killed: real processes (the API with the Stripe
emulator under granian, the job worker), SIGKILL at the worst moments, then a restart — the
customer is refunded exactly once. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app.models import BookingEvent, EmulatorObject, Job, Payment, Refund, RefundStatus
from tests.integration.api.conftest import at
from tests.offers import Offer, build_offer
from tests.support.processes import AppProcess, start_api, start_worker, wait_for

EMULATOR = "/api/stripe-emulator"
STRIPE_KEY = {"Authorization": "Bearer sk_test_local_emulator"}


@pytest.fixture
def crash_env(database_url: str, engine: sa.Engine) -> Iterator[tuple[dict[str, str], Offer]]:
    offer = build_offer(engine)
    env = {"DATABASE_URL": database_url, "JOBS_POLL_SECONDS": "0.2", "JOBS_RETRY_SECONDS": "0.5",
           "JOBS_LEASE_SECONDS": "5", "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    yield env, offer


@pytest.fixture
def processes() -> Iterator[list[AppProcess]]:
    started: list[AppProcess] = []
    yield started
    for process in started:
        process.stop()


def _monday() -> str:
    today = datetime.now(UTC).date()
    return at(today + timedelta(days=(7 - today.weekday()) % 7 + 7), 10)


def _paid_booking(api: AppProcess, offer: Offer) -> dict:
    booking = httpx.post(f"{api.base}/api/bookings", json=dict(
        session_type_id=offer.paid.id, start=_monday(), name="Grace Hopper", email="grace@example.com",
        timezone="Europe/Paris"), timeout=30).json()
    path = booking["checkout_url"].split(api.base, 1)[1]
    assert httpx.post(f"{api.base}{path}", data={"outcome": "pay"}, timeout=30).status_code == 303
    _deliver(api)
    assert _state(api, booking["token"])["status"] == "confirmed"
    return booking


def _deliver(api: AppProcess) -> None:
    httpx.post(f"{api.base}{EMULATOR}/_control/deliver", timeout=30).raise_for_status()


def _faults(api: AppProcess, **faults) -> None:
    httpx.post(f"{api.base}{EMULATOR}/_control/faults", json=faults, timeout=10).raise_for_status()


def _state(api: AppProcess, token: str) -> dict:
    return httpx.get(f"{api.base}/api/bookings/{token}", timeout=10).json()


def _refund_row(engine: sa.Engine) -> Refund | None:
    with Session(engine) as session:
        return session.exec(select(Refund)).first()


def _refunds_at_stripe(engine: sa.Engine) -> list[dict]:
    with Session(engine) as session:
        return [row.data for row in session.exec(select(EmulatorObject).where(EmulatorObject.object_type == "refund"))]


def _refund_job(engine: sa.Engine) -> Job:
    with Session(engine) as session:
        return session.exec(select(Job).where(Job.kind == "refund")).one()


def _timeline(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        kinds = session.exec(select(BookingEvent.kind).order_by(BookingEvent.id))
        return [kind for kind in kinds if not kind.startswith("email_")]  # e-mails: tests/integration/mail


def test_killed_between_cancel_and_refund_during_an_outage_the_restarted_app_refunds_once(
        crash_env, engine: sa.Engine, processes: list[AppProcess]) -> None:
    env, offer = crash_env
    api = start_api(env)
    processes.append(api)
    booking = _paid_booking(api, offer)
    _faults(api, refunds="fail")
    worker = start_worker(env, api)
    processes.append(worker)
    cancel = httpx.post(f"{api.base}/api/bookings/{booking['token']}/cancel", timeout=30)
    assert cancel.status_code == 200 and cancel.json()["refund_pending"] == 15000
    wait_for(lambda: _refund_job(engine).attempts >= 2, what="two failed refund attempts")
    worker.kill_hard()
    api.kill_hard()  # the whole app goes down with the refund still owed
    assert _refund_row(engine).status == RefundStatus.PENDING and _refunds_at_stripe(engine) == []

    api = start_api(env)  # restart
    processes.append(api)
    _faults(api, refunds="ok")  # and Stripe is back
    processes.append(start_worker(env, api))
    wait_for(lambda: _refund_row(engine).stripe_refund_id, what="the refund to be made")
    _deliver(api)
    state = _state(api, booking["token"])
    assert (state["payment_status"], state["amount_refunded"], state["refund_pending"]) == ("refunded", 15000, 0)
    assert [r["amount"] for r in _refunds_at_stripe(engine)] == [15000]  # exactly once
    assert _timeline(engine)[-1] == "refund_succeeded" and "refund_retrying" in _timeline(engine)


def test_killed_while_stripe_is_making_the_refund_the_retry_gets_the_same_refund(
        crash_env, engine: sa.Engine, processes: list[AppProcess]) -> None:
    env, offer = crash_env
    api = start_api(env)
    processes.append(api)
    booking = _paid_booking(api, offer)
    _faults(api, refund_delay_seconds=30)  # Stripe makes the refund, then its answer is slow
    worker = start_worker(env, api)
    processes.append(worker)
    httpx.post(f"{api.base}/api/bookings/{booking['token']}/cancel", timeout=30).raise_for_status()
    wait_for(lambda: _refunds_at_stripe(engine), what="Stripe to make the refund")
    assert _refund_row(engine).stripe_refund_id is None  # the app has not heard back yet
    worker.kill_hard()  # the worst moment: the money moved, the app does not know
    api.kill_hard()

    api = start_api(env)
    processes.append(api)
    _faults(api, refund_delay_seconds=0)
    processes.append(start_worker(env, api))
    # The job's lease (5 s here) runs out; the new worker asks Stripe again with the same
    # idempotency key and gets the first refund back instead of making a second one.
    row = wait_for(lambda: (r := _refund_row(engine)).stripe_refund_id and r, timeout=40,
                   what="the retried refund to be recorded")
    at_stripe = _refunds_at_stripe(engine)
    assert [r["id"] for r in at_stripe] == [row.stripe_refund_id]
    assert _refund_job(engine).attempts == 2
    _deliver(api)
    with Session(engine) as session:
        payment = session.exec(select(Payment)).one()
    assert (payment.status, payment.amount_refunded) == ("refunded", 15000)
    assert _timeline(engine).count("refund_succeeded") == 1


def test_the_refund_of_a_late_payment_survives_an_outage_and_a_killed_app(
        crash_env, engine: sa.Engine, processes: list[AppProcess]) -> None:
    from booking_app.bookings import transitions
    from booking_app.models import Booking

    env, offer = crash_env
    api = start_api(env)
    processes.append(api)
    late = httpx.post(f"{api.base}/api/bookings", json=dict(
        session_type_id=offer.paid.id, start=_monday(), name="Late Payer", email="late@example.com",
        timezone="Europe/Paris"), timeout=30).json()
    with Session(engine) as session:  # the hold runs out while the customer is still on Checkout
        booking = session.exec(select(Booking).where(Booking.public_token == late["token"])).one()
        assert transitions.expire_hold(session, booking.id, now=datetime.now(UTC))
        session.commit()
    _paid_booking(api, offer)  # meanwhile someone else books and pays for the same time
    _faults(api, refunds="fail")
    worker = start_worker(env, api)
    processes.append(worker)
    path = late["checkout_url"].split(api.base, 1)[1]
    assert httpx.post(f"{api.base}{path}", data={"outcome": "pay"}, timeout=30).status_code == 303  # pays late
    _deliver(api)  # the webhook: the time is taken, so the payment is owed back
    wait_for(lambda: _refund_job(engine).attempts >= 1, what="a failed refund attempt")
    _deliver(api)  # Stripe redelivers: a duplicate, the refund stays owed
    worker.kill_hard()
    api.kill_hard()
    api = start_api(env)
    processes.append(api)
    _faults(api, refunds="ok")
    processes.append(start_worker(env, api))
    wait_for(lambda: _refund_row(engine).stripe_refund_id, what="the late payment's refund")
    _deliver(api)
    state = _state(api, late["token"])
    assert (state["status"], state["payment_status"], state["amount_refunded"]) == ("cancelled", "refunded", 15000)
    assert [r["amount"] for r in _refunds_at_stripe(engine)] == [15000]
