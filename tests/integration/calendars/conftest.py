"""Calendar tests: the payments tests' shop (the app, the emulator, both databases), calendar
addresses on 127.0.0.1 allowed, and real calendar servers."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop, shop  # noqa: F401 - a fixture, used by name
from tests.support.calendar_servers import IcsFeed, Radicale, start_ics_feed, start_radicale


@pytest.fixture(autouse=True)
def local_calendars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_HOSTS", "true")
    get_settings.cache_clear()


@pytest.fixture
def ics_feed() -> Iterator[IcsFeed]:
    feed = start_ics_feed()
    yield feed
    feed.stop()


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = start_radicale(Path(tmp_path_factory.mktemp("radicale")))
    yield server
    server.stop()
