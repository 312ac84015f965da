"""Benchmark data shared by the scripts: a builder with daily hours and one session type."""

from __future__ import annotations

from sqlmodel import Session

from booking_app.models import Builder, SessionType, User, WeeklyWindow


def add_bench_builder(session: Session, *, slug: str, timezone: str, open_minute: int, close_minute: int,
                      duration_minutes: int, price: int, horizon_days: int) -> tuple[Builder, SessionType]:
    """A builder open ``[open_minute, close_minute)`` every day with a no-notice session type."""
    user = User(email=f"{slug}@bench.example.com", password_hash="not-a-real-hash")
    session.add(user)
    session.flush()
    builder = Builder(user_id=user.id, slug=slug, display_name=slug.replace("-", " ").title(), timezone=timezone)
    session.add(builder)
    session.flush()
    for weekday in range(7):
        session.add(WeeklyWindow(builder_id=builder.id, weekday=weekday, start_minute=open_minute,
                                 end_minute=close_minute))
    kind = SessionType(builder_id=builder.id, slug="half-hour", title="Half an hour", duration_minutes=duration_minutes,
                       price_amount=price, currency="gbp", horizon_days=horizon_days, minimum_notice_minutes=0)
    session.add(kind)
    session.flush()
    return builder, kind
