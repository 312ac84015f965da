"""The landing page as a visitor sees it, on a laptop and on a phone."""

from __future__ import annotations

import json
import urllib.request

import pytest
from alembic.script import ScriptDirectory

from booking_app.migrations import alembic_config
from tests.e2e.conftest import VIEWPORTS, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_home_page_shows_the_product_and_how_it_works(browser, app_url: str, viewport: str) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.goto(app_url + "/")
    heading = page.get_by_role("heading", level=1)
    heading.wait_for()
    assert "build apps" in heading.inner_text()
    assert page.title().startswith("Makerhours")
    for step in ("Choose a session", "Pick a time", "Pay securely", "You're booked"):
        assert page.get_by_role("heading", name=step).is_visible()
    assert page.get_by_text("Built with Reflex").count() == 0
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    screenshot(page, f"home-{viewport}")
    page.close()
    assert console_errors == []


def test_health_endpoint_reports_database_and_payment_mode(app_url: str) -> None:
    with urllib.request.urlopen(app_url + "/api/health", timeout=5) as response:
        assert response.status == 200
        body = json.load(response)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert body == {"status": "ok", "database": "ok", "schema_revision": head, "payments": "emulator"}
