"""Mail tests: the payments tests' shop (the app, the emulator, the SDK) and a real SMTP server."""

from collections.abc import Iterator

import pytest

from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop, shop  # noqa: F401 - a fixture, used by name
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:  # noqa: F811 - the fixture
    """An SMTP server the app sends through (``SMTP_URL``)."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("SMTP_URL", server.url)
    monkeypatch.setenv("EMAIL_FROM", "Makerhours <bookings@makerhours.test>")
    get_settings.cache_clear()
    yield server
    server.stop()
