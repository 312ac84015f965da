"""axe-core (axe-playwright-python, pinned) on the pages and wizard steps at 1280 and 375 px:
no critical or serious violation (issue 18, defect 13)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.wizard import FREE, choose_session, customer_page, open_wizard, show_day, sign_in_as_demo, times_on
from tests.e2e.wizard import wait_for_heading, weekday_ahead

pytestmark = pytest.mark.e2e
AXE = Axe()
BLOCKING = {"critical", "serious"}


def _violations(page: Page, state: str) -> list[str]:
    page.wait_for_timeout(300)  # animations settle (colours are measured)
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
            found.append(f"{state}: {violation['impact']} {violation['id']} ({violation['help']}) at {targets}")
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_pages_and_wizard_steps(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport)
    found: list[str] = []
    for path, heading in (("/", "Book an hour with the people who build apps"), ("/login/", "Sign in"),
                          ("/signup/", "Create your builder account"), ("/bookings/find/", "Find your bookings")):
        page.goto(f"{app_url}{path}")
        wait_for_heading(page, heading)
        found += _violations(page, path)
    open_wizard(page, app_url)
    wait_for_heading(page, "Choose a session")
    found += _violations(page, "wizard: session")
    choose_session(page, FREE)
    day = weekday_ahead(7, 1 if viewport == "desktop" else 2)
    show_day(page, day)
    found += _violations(page, "wizard: time")
    times_on(page, day).get_by_role("button").first.click()
    wait_for_heading(page, "Your details")
    found += _violations(page, "wizard: details")
    page.get_by_label("Name").fill("Axe Core")
    page.get_by_label("E-mail").fill(f"axe-{viewport}@example.com")
    page.get_by_role("button", name="Continue").click()
    wait_for_heading(page, "Review and pay")
    found += _violations(page, "wizard: review")
    page.get_by_role("button", name="Confirm booking").click()
    wait_for_heading(page, "You're booked")
    found += _violations(page, "confirmation")
    assert not found, "\n".join(found)
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dashboard_pages(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport)
    sign_in_as_demo(page, app_url)
    found: list[str] = []
    for section in ("Bookings", "Session types", "Availability", "Calendars", "Developers", "Profile"):
        page.get_by_role("navigation", name="Dashboard sections").get_by_role("link", name=section).click()
        expect(page.get_by_role("heading", level=1, name=section)).to_be_visible()
        page.wait_for_load_state("networkidle")
        found += _violations(page, section)
    assert not found, "\n".join(found)
    page.context.close()
