"""Issue 18: the sign-up form says everything that is wrong at once, in its own words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import customer_page, wait_for_heading

pytestmark = pytest.mark.e2e


def test_sign_up_shows_every_error_at_once(browser, app_url: str) -> None:
    page = customer_page(browser, "phone", zone="Europe/Lisbon", locale="en-GB")
    page.goto(f"{app_url}/signup/")
    wait_for_heading(page, "Create your builder account")
    page.get_by_label("E-mail").fill("ada@example")  # the browser lets it through; it has no domain
    page.get_by_label("Password").fill("short")
    page.get_by_label("Booking address").fill("-bad-")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Please enter a name of 1 to 200 characters.")).to_be_visible()
    expect(page.get_by_text("Please enter a valid e-mail address, like name@example.com.")).to_be_visible()
    expect(page.get_by_text("Use at least 10 characters for the password.")).to_be_visible()
    expect(page.get_by_text("Use 1-64 lower-case letters")).to_be_visible()
    expect(page.get_by_text("@-sign")).to_have_count(0)  # no library wording
    screenshot(page, "signup-errors-phone")
    page.context.close()
