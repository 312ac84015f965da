"""A builder in London with weekday hours and four session types (shared test data)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from booking_app.models import Builder, SessionType, WeeklyWindow
from tests.factories import make_builder, make_session_type


@dataclass
class Offer:
    engine: sa.Engine
    builder: Builder
    paid: SessionType  # 60 min, £150, 15 min buffer after
    free: SessionType  # 15 min intro
    long: SessionType  # 90 min on a 30 min grid, £210
    group: SessionType  # 60 min workshop, 3 seats, £50


def build_offer(engine: sa.Engine) -> Offer:
    with Session(engine, expire_on_commit=False) as session:
        builder = make_builder(session, slug="ada", timezone="Europe/London")
        for weekday in range(5):
            session.add(WeeklyWindow(builder_id=builder.id, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60))
        paid = make_session_type(session, builder, slug="build", buffer_after_minutes=15, display_order=1)
        free = make_session_type(session, builder, slug="intro", duration_minutes=15, price_amount=0, display_order=0)
        long = make_session_type(session, builder, slug="deep", duration_minutes=90, interval_minutes=30,
                                 price_amount=21000, display_order=2)
        group = make_session_type(session, builder, slug="workshop", seats=3, price_amount=5000, display_order=3)
        make_session_type(session, builder, slug="retired", is_active=False)
        session.commit()
        return Offer(engine, builder, paid, free, long, group)
