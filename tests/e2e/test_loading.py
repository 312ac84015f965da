"""Issue 18: while the booking pages wait for their data they show its shape, not a blank page;
their HTML lets the browser fetch all of their code at once."""

from __future__ import annotations

import json
import re
import urllib.request

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


def _html(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.read().decode()


def test_the_booking_pages_html_preloads_their_own_modules(app_url: str) -> None:
    """The production build's /book/<builder>/ and /booking/<token>/ HTML names every module of
    the page's route (api.route_preloads), so a phone fetches them in the first wave."""
    home = _html(app_url + "/")
    manifest_path = re.search(r'import "(/[^"]*manifest-[^"/]+\.js)"', _html(app_url + "/book/demo/")).group(1)
    manifest = json.loads(_html(app_url + manifest_path).strip().removeprefix("window.__reactRouterManifest=")
                          .rstrip(";"))
    routes = {route.get("path"): route for route in manifest["routes"].values()}
    for path, route_path in (("/book/demo/", "book/:builder"), ("/booking/some-token/", "booking/:token")):
        html = _html(app_url + path)
        route = routes[route_path]
        for module in (route["module"], *route["imports"]):
            assert f'<link rel="modulepreload" href="{module}"/>' in html, (path, module)
        assert route["module"] not in home  # the home page is prerendered and left as it is
        # The text direction is stated, so the toaster does not compute it on every render.
        assert html.startswith('<!DOCTYPE html><html dir="ltr"')
