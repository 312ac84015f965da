"""The app's own sessions (``read_session``/``write_session``) pointed at the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from booking_app import db
from booking_app.settings import get_settings


@pytest.fixture
def app_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    db.dispose_engines()
    yield database_url
    db.dispose_engines()
