"""Issue 18: while the booking pages wait for their data they show its shape, not a blank page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import customer_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/book/demo/", "/booking/some-token/"])
def test_the_booking_pages_show_a_skeleton_until_their_data_arrives(browser, app_url: str, path: str) -> None:
    page = customer_page(browser, "phone")
    page.route_web_socket("**/_event**", lambda socket: None)  # the state never answers
    page.goto(f"{app_url}{path}")
    expect(page.locator("#page-skeleton")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Loading")).to_have_count(1)
    screenshot(page, "skeleton-" + path.strip("/").split("/")[0] + "-phone")
    page.context.close()
