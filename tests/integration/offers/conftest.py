"""Two builders (Ada with the shared London offer, Bob with his own) and a user who is not a
builder, with ``DATABASE_URL`` pointing the offers service at the test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from booking_app import db
from booking_app.models import DateOverride, DateOverrideWindow, User, WeeklyWindow
from booking_app.settings import get_settings
from tests.factories import make_builder, make_session_type
from tests.offers import Offer, build_offer

# Monday 7 December 2026, 08:00 in London (= UTC in winter).
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@dataclass
class Studio:
    engine: sa.Engine
    offer: Offer
    ada: int  # user ids
    bob: int
    nobody: int  # a login without a builder profile
    bob_type: int  # Bob's session type
    bob_override: int


@pytest.fixture
def studio(database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Studio:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    db.dispose_engines()
    offer = build_offer(engine)
    with Session(engine, expire_on_commit=False) as session:
        bob = make_builder(session, slug="bob", timezone="America/New_York")
        session.add(WeeklyWindow(builder_id=bob.id, weekday=0, start_minute=600, end_minute=960))
        bob_type = make_session_type(session, bob, slug="consult", price_amount=5000, currency="usd")
        override = DateOverride(builder_id=bob.id, day=datetime(2026, 12, 24).date(), note="Christmas Eve")
        session.add(override)
        session.flush()
        session.add(DateOverrideWindow(override_id=override.id, start_minute=600, end_minute=720))
        nobody = User(email="nobody@example.com", password_hash="x")
        session.add(nobody)
        session.commit()
        return Studio(engine, offer, offer.builder.user_id, bob.user_id, nobody.id, bob_type.id, override.id)
