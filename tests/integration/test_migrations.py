"""Migrations on both databases, and the guards the schema itself provides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel

from booking_app import db, migrations
from booking_app.models import Booking, BookingStatus
from booking_app.tokens import new_booking_token
from tests.factories import make_builder, make_session_type

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    # A database of its own: this test migrates down to nothing and back.
    url = request.getfixturevalue("postgres_server_url")
    base = sa.make_url(url)
    name = base.database + "_mig"
    admin = sa.create_engine(base.set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    request.addfinalizer(lambda: _drop(admin, name))
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(admin: sa.Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_leaves_schema_equal_to_models(empty_database_url: str) -> None:
    model_tables = set(SQLModel.metadata.tables)
    migrations.upgrade(empty_database_url)
    assert _tables(empty_database_url) == model_tables | {"alembic_version"}
    migrations.downgrade(empty_database_url, "-1")  # the newest revision's downgrade alone
    migrations.upgrade(empty_database_url)
    migrations.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
    migrations.upgrade(empty_database_url)
    migrations.downgrade(empty_database_url, "-1")
    migrations.upgrade(empty_database_url)

    engine = db.make_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        # Table rebuilds (SQLite batch mode) must keep the seat index partial.
        if engine.dialect.name == "sqlite":
            index_sql = connection.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'uq_booking_active_seat'")
            ).scalar_one()
        else:
            index_sql = connection.execute(sa.text("SELECT pg_get_indexdef('uq_booking_active_seat'::regclass)")).scalar_one()
        assert "WHERE" in index_sql and "pending_payment" in index_sql
    engine.dispose()


def _booking(session: Session, builder_id: int, session_type_id: int, start: datetime, minutes: int = 60,
             *, key: str | None = None, seat: int = 1, status: BookingStatus = BookingStatus.CONFIRMED) -> Booking:
    token = new_booking_token()
    booking = Booking(
        public_token=token, builder_id=builder_id, session_type_id=session_type_id,
        start_at=start, end_at=start + timedelta(minutes=minutes),
        blocked_start=start, blocked_end=start + timedelta(minutes=minutes),
        occupancy_key=key or f"booking:{token}", seat=seat,
        customer_name="Ada", customer_email="ada@example.com", customer_timezone="Europe/London",
        status=status, amount=0, currency="gbp",
        hold_expires_at=start if status == BookingStatus.PENDING_PAYMENT else None,
    )
    session.add(booking)
    session.flush()
    return booking


@pytest.mark.postgres
def test_postgres_refuses_overlapping_active_bookings(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url)
    with Session(engine) as session:
        builder = make_builder(session)
        kind = make_session_type(session, builder)
        _booking(session, builder.id, kind.id, T0)
        session.commit()
        for start in (T0, T0 + timedelta(minutes=30), T0 - timedelta(minutes=59)):
            with pytest.raises(sa.exc.IntegrityError, match="booking_no_overlap"):
                with session.begin_nested():
                    _booking(session, builder.id, kind.id, start, status=BookingStatus.PENDING_PAYMENT)
        # Back-to-back touches without overlapping; another builder is independent.
        _booking(session, builder.id, kind.id, T0 + timedelta(hours=1))
        other = make_builder(session, slug="other")
        _booking(session, other.id, make_session_type(session, other).id, T0)
        session.commit()
    engine.dispose()


@pytest.mark.postgres
def test_postgres_frees_time_of_cancelled_and_expired_bookings(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url)
    with Session(engine) as session:
        builder = make_builder(session)
        kind = make_session_type(session, builder)
        _booking(session, builder.id, kind.id, T0, status=BookingStatus.CANCELLED)
        _booking(session, builder.id, kind.id, T0, status=BookingStatus.EXPIRED)
        _booking(session, builder.id, kind.id, T0)
        session.commit()
    engine.dispose()


def test_group_seats_share_a_slot_but_each_seat_is_taken_once(engine: sa.Engine) -> None:
    with Session(engine) as session:
        builder = make_builder(session)
        group = make_session_type(session, builder, slug="workshop", seats=3)
        key = f"group:{group.id}:{T0.isoformat()}"
        _booking(session, builder.id, group.id, T0, key=key, seat=1)
        _booking(session, builder.id, group.id, T0, key=key, seat=2)
        session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            with session.begin_nested():
                _booking(session, builder.id, group.id, T0, key=key, seat=2)
        # A cancelled seat may be taken again.
        session.rollback()
        cancelled = _booking(session, builder.id, group.id, T0, key=key, seat=3, status=BookingStatus.CANCELLED)
        _booking(session, builder.id, group.id, T0, key=key, seat=cancelled.seat)
        session.commit()


def test_check_constraints_refuse_impossible_rows(engine: sa.Engine) -> None:
    with Session(engine) as session:
        builder = make_builder(session)
        kind = make_session_type(session, builder)
        session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            with session.begin_nested():
                _booking(session, builder.id, kind.id, T0, minutes=0)
        with pytest.raises(sa.exc.IntegrityError):
            with session.begin_nested():
                session.execute(sa.text("UPDATE session_type SET duration_minutes = 0"))


def test_0013_builder_photos_up_and_down_with_data(empty_database_url: str) -> None:
    """Migration 0013 (issue 18): the photo table comes and goes; going down, the builders'
    photo addresses (which would answer 404 without it) are cleared, other addresses kept."""
    migrations.upgrade(empty_database_url, "0012")
    engine = db.make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for user_id, slug, url in ((1, "ada", None), (2, "bob", "https://cdn.example.com/bob.jpg")):
                connection.execute(sa.text("INSERT INTO user_account (id, email, password_hash, is_active, created_at) "
                                           "VALUES (:id, :email, 'x', true, :now)"),
                                   {"id": user_id, "email": f"{slug}@example.com", "now": T0})
                connection.execute(sa.text("INSERT INTO builder (id, user_id, slug, display_name, headline, bio, "
                                           "photo_url, timezone, reminder_hours, created_at) VALUES (:id, :id, :slug, "
                                           ":slug, '', '', :url, 'Europe/London', '24,1', :now)"),
                                   {"id": user_id, "slug": slug, "url": url, "now": T0})
        migrations.upgrade(empty_database_url, "0013")
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO builder_photo (builder_id, version, content_type, large, small, "
                                       "updated_at) VALUES (1, '0123456789abcdef', 'image/webp', :large, :small, :now)"),
                               {"large": b"RIFF-large", "small": b"RIFF-small", "now": T0})
            connection.execute(sa.text("UPDATE builder SET photo_url = "
                                       "'/api/builders/ada/photo?size=256&v=0123456789abcdef' WHERE id = 1"))
            assert connection.execute(sa.text("SELECT large FROM builder_photo")).scalar_one() == b"RIFF-large"
        migrations.downgrade(empty_database_url, "0012")
        assert "builder_photo" not in _tables(empty_database_url)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT slug, photo_url FROM builder ORDER BY id")).all() == [
                ("ada", None), ("bob", "https://cdn.example.com/bob.jpg")]
        migrations.upgrade(empty_database_url)
    finally:
        engine.dispose()
