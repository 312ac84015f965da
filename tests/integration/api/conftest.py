"""The JSON API on the test database (either kind), through FastAPI's test client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from booking_app import db
from booking_app.api.app import create_api
from booking_app.settings import get_settings
from tests.offers import Offer, build_offer
from tests.support.stripe_inprocess import in_process_gateway


@pytest.fixture
def offer(engine: sa.Engine) -> Offer:
    return build_offer(engine)


@pytest.fixture
def client(database_url: str, offer: Offer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APP_URL", "https://book.example.com")
    get_settings.cache_clear()
    db.dispose_engines()
    with TestClient(create_api(), client=("203.0.113.7", 50000)) as test_client, in_process_gateway(test_client):
        yield test_client
    db.dispose_engines()


@pytest.fixture
def monday() -> date:
    """A Monday one to two weeks ahead (the API reads the real clock)."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7)


def at(day: date, hour: int, minute: int = 0) -> str:
    """ISO start on ``day`` in London (UTC in winter, +01:00 in summer)."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/London")).isoformat()
