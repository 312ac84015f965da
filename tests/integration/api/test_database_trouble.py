"""Issue 19, finding 13, through the JSON API: a database locked by another process used to
give a plain-text 500 after 30 s (SQLite's busy timeout), while ``/api/health`` said ``ok``.
Now the request answers the documented JSON 503 with Retry-After after SQLITE_BUSY_TIMEOUT_MS,
and health checks the write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from booking_app import db
from booking_app.api.app import create_api
from booking_app.settings import get_settings
from tests.integration.api.conftest import at
from tests.offers import Offer
from tests.support.stripe_inprocess import in_process_gateway


@pytest.fixture
def sqlite_client(sqlite_url: str, engine, offer: Offer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "300")  # the test need not wait the default 5 s
    get_settings.cache_clear()
    db.dispose_engines()
    with TestClient(create_api(), client=("203.0.113.7", 50000)) as client, in_process_gateway(client):
        yield client
    db.dispose_engines()


@pytest.fixture
def locked(sqlite_url: str) -> Iterator[None]:
    """Another process holds SQLite's write lock (a backup, a stuck script, an attacker's query)."""
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_locked_database_gives_a_json_503_with_retry_after(sqlite_client: TestClient, offer: Offer, monday,
                                                             locked: None) -> None:
    body = dict(session_type_id=offer.paid.id, start=at(monday, 10), name="Grace Hopper",
                email="grace@example.com", timezone="Europe/Paris")
    response = sqlite_client.post("/api/bookings", json=body)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "service_unavailable"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_health_reports_a_database_that_refuses_writes(sqlite_client: TestClient, locked: None) -> None:
    response = sqlite_client.get("/api/health")
    assert response.status_code == 503
    assert (response.json()["status"], response.json()["database"]) == ("degraded", "locked")


def test_health_is_ok_when_the_database_takes_writes(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["database"]) == ("ok", "ok")
