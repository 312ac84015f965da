"""Shared fixtures: isolated databases (SQLite per test, PostgreSQL per session).

The environment is fixed before any app module reads its settings, so no test can touch the
developer's own database or a real Stripe account.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.pop("STRIPE_SECRET_KEY", None)
os.environ.pop("STRIPE_WEBHOOK_SECRET", None)
_SESSION_DIR = Path(os.environ.setdefault("BOOKING_TEST_DIR", f"/tmp/booking-tests-{os.getpid()}"))
_SESSION_DIR.mkdir(parents=True, exist_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{_SESSION_DIR / 'default.db'}"
# A fixed key for stored calendar credentials: the tests never write .encryption-key into the
# project folder (and the app servers they start inherit it).
os.environ["ENCRYPTION_KEY"] = "Uv2Y2Gk1b3RXmJ0kq6yMe5y0m6wZrQ2y2N1K7S9mE0o="

from sqlmodel import Session  # noqa: E402

from booking_app import db, migrations  # noqa: E402
from booking_app.settings import get_settings  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "BOOKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("BOOKING_TEST_REQUIRE_POSTGRES") == "1" or bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    # One per xdist worker: the workers share _SESSION_DIR and would migrate one file at once.
    path = _SESSION_DIR / f"template-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error: the server is not usable
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database that lives for the test session."""
    problem = _postgres_reachable()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unreachable at {POSTGRES_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable ({problem}); set BOOKING_TEST_REQUIRE_POSTGRES=1 to fail instead")
    name = f"booking_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server_url: str) -> str:
    migrations.upgrade(postgres_server_url)
    return postgres_server_url


@pytest.fixture
def postgres_url(postgres_migrated: str) -> Iterator[str]:
    """The migrated session database, emptied after each test."""
    yield postgres_migrated
    engine = db.make_engine(postgres_migrated)
    tables = [t for t in reversed(_app_tables()) if t != "alembic_version"]
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _app_tables() -> list[str]:
    from sqlmodel import SQLModel

    import booking_app.models  # noqa: F401

    return [table.name for table in SQLModel.metadata.sorted_tables]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings are cached per process; tests that change the environment get a clean read."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    db.dispose_engines()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # xdist's workers share the controller's folder (BOOKING_TEST_DIR is inherited): only the
    # controller removes it, or the first worker to finish pulls the template from the others.
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)
