"""The whole payment path in-process: the real stripe SDK → the emulator → signed webhooks →
the app → the database, on either database, without a server or a network.

The SDK gets an HTTP client that hands its requests to the same FastAPI app (which mounts the
emulator in emulator mode), exactly as they would travel over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from booking_app import db
from booking_app.api.app import create_api
from booking_app.bookings import transitions
from booking_app.db import write_session
from booking_app.jobs.runner import JobRunner
from booking_app.models import Booking, Payment, Refund
from booking_app.payments.emulator import delivery
from booking_app.settings import get_settings
from tests.integration.api.conftest import at
from tests.offers import Offer, build_offer
from tests.support.stripe_inprocess import in_process_gateway, path_of

__all__ = ["EMULATOR", "Shop", "path_of"]

EMULATOR = "/api/stripe-emulator"


@dataclass
class Shop:
    """The app with the emulator, and the moves a customer, Stripe or a test can make."""

    client: TestClient
    offer: Offer
    engine: sa.Engine
    day: date

    def book(self, hour: int = 10, *, kind=None, email: str = "grace@example.com", day: date | None = None) -> dict:
        body = dict(session_type_id=(kind or self.offer.paid).id, start=at(day or self.day, hour), name="Grace Hopper",
                    email=email, timezone="Europe/Paris")
        response = self.client.post("/api/bookings", json=body)
        assert response.status_code == 201, response.json()
        return response.json()

    def choose(self, booking: dict, outcome: str):
        """Press a button on the hosted checkout page."""
        return self.client.post(path_of(booking["checkout_url"]), data={"outcome": outcome}, follow_redirects=False)

    def deliver(self) -> int:
        """Deliver every due webhook event to the app."""
        def post(url: str, body: str, headers: dict[str, str]) -> int:
            return self.client.post(path_of(url), content=body.encode(), headers=headers).status_code
        return delivery.deliver_due(post)

    def run_jobs(self, now: datetime | None = None) -> int:
        """Run every due job (refunds, closing checkouts) as the app's job runner would."""
        return JobRunner(worker="test-runner").run_until_idle(now)

    def control(self, name: str, **body) -> dict:
        response = self.client.post(f"{EMULATOR}/_control/{name}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def state(self, token: str) -> dict:
        return self.client.get(f"/api/bookings/{token}").json()

    def rows(self, token: str) -> tuple[Booking, list[Payment], list[Refund]]:
        with Session(self.engine) as session:
            booking = session.exec(select(Booking).where(Booking.public_token == token)).one()
            payments = session.exec(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.attempt)).all()
            refunds = session.exec(select(Refund).join(Payment).where(Payment.booking_id == booking.id)).all()
            return booking, list(payments), list(refunds)

    def expire_hold_in_db(self, token: str) -> None:
        """Mark the hold expired, as the sweep does once it ran out (the emulator's checkout
        page stays payable: a late payment)."""
        with write_session(self.engine) as session:
            booking = session.exec(select(Booking).where(Booking.public_token == token)).one()
            assert transitions.expire_hold(session, booking.id, now=datetime.now(UTC))

    def move_into_the_past(self, token: str, days: int = 14) -> None:
        """Shift a booking two weeks back, as if its session had already started."""
        shift = timedelta(days=days)
        with Session(self.engine) as session:
            booking = session.exec(select(Booking).where(Booking.public_token == token)).one()
            for field in ("start_at", "end_at", "blocked_start", "blocked_end"):
                setattr(booking, field, getattr(booking, field) - shift)
            session.add(booking)
            session.commit()


@pytest.fixture
def shop(database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    offer = build_offer(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APP_URL", "http://testserver")
    get_settings.cache_clear()
    db.dispose_engines()
    with TestClient(create_api(), client=("203.0.113.9", 40000)) as client, in_process_gateway(client):
        today = datetime.now(UTC).date()
        monday = today + timedelta(days=(7 - today.weekday()) % 7 + 7)
        yield Shop(client=client, offer=offer, engine=engine, day=monday)
    db.dispose_engines()
