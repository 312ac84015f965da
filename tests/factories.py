"""Small factories for test data; each call makes independent rows."""

from __future__ import annotations

from sqlmodel import Session

from booking_app.models import Builder, SessionType, User


def make_builder(session: Session, *, slug: str = "ada", timezone: str = "Europe/London") -> Builder:
    user = User(email=f"{slug}@example.com", password_hash="not-a-real-hash")
    session.add(user)
    session.flush()
    builder = Builder(user_id=user.id, slug=slug, display_name=slug.title(), timezone=timezone)
    session.add(builder)
    session.flush()
    return builder


def make_session_type(session: Session, builder: Builder, *, slug: str = "session", **fields: object) -> SessionType:
    values: dict[str, object] = dict(title="Session", duration_minutes=60, price_amount=15000, currency="gbp")
    values.update(fields)
    kind = SessionType(builder_id=builder.id, slug=slug, **values)
    session.add(kind)
    session.flush()
    return kind
