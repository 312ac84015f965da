"""Engine behaviour the services rely on: UTC-aware timestamps and SQLite write locking."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app import db
from booking_app.models import Booking, StripeEvent, StripeEventOutcome


def test_timestamps_come_back_utc_aware_on_both_databases(engine: sa.Engine) -> None:
    berlin_evening = datetime(2026, 3, 29, 23, 30, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session:
        session.add(StripeEvent(event_id="evt_1", event_type="x", outcome=StripeEventOutcome.IGNORED,
                                processed_at=berlin_evening))
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(StripeEvent)).one()
        assert stored.processed_at == datetime(2026, 3, 29, 21, 30, tzinfo=UTC)
        assert stored.processed_at.tzinfo == UTC
        assert stored.outcome is StripeEventOutcome.IGNORED


def test_naive_timestamps_are_refused(engine: sa.Engine) -> None:
    with Session(engine) as session:
        session.add(StripeEvent(event_id="evt_2", event_type="x", outcome=StripeEventOutcome.IGNORED,
                                processed_at=datetime(2026, 1, 1, 12, 0)))
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            session.commit()


def test_sqlite_write_session_holds_the_write_lock_from_the_start(sqlite_url: str) -> None:
    """A second writer cannot start while a write session is open, even before it writes:
    that is what makes check-then-insert atomic on SQLite."""
    engine = db.make_engine(sqlite_url)
    inside, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with db.write_session(engine) as session:
            session.exec(select(Booking)).all()  # reads only, yet already owns the lock
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert inside.wait(5)
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        release.set()
        holder.join()
        other.close()
    engine.dispose()


def test_write_session_rolls_back_on_error(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError):
        with db.write_session(engine) as session:
            session.add(StripeEvent(event_id="evt_3", event_type="x", outcome=StripeEventOutcome.PROCESSED))
            session.flush()
            raise RuntimeError("boom")
    with Session(engine) as session:
        assert session.exec(select(StripeEvent)).all() == []
