"""Issue 18 on the builder's dashboard: what a free booking's details offer, plurals, tabs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_mailbox import _api
from tests.e2e.wizard import customer_page, sign_in_as_demo, wait_for_heading, weekday_ahead

pytestmark = pytest.mark.e2e


def _free_booking(app_url: str, name: str, email: str, index: int = 1) -> str:
    kinds = _api(f"{app_url}/api/builders/demo/session-types")["session_types"]
    intro = next(k for k in kinds if k["slug"] == "intro-call")
    day = weekday_ahead(6, 4)
    slots = _api(f"{app_url}/api/session-types/{intro['id']}/slots?start={day}&end={day}&timezone=Europe/Berlin")
    booking = _api(f"{app_url}/api/bookings", {"session_type_id": intro["id"], "start": slots["slots"][index]["start"],
                                               "name": name, "email": email, "timezone": "Europe/Berlin"})
    assert booking["status"] == "confirmed"
    return booking["token"]


def _placeholder_fits(page) -> None:
    """The search field's placeholder is not cut off (at this width)."""
    fits = page.locator("#booking-search").evaluate("""(input) => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return context.measureText(input.placeholder).width <= room;
    }""")
    assert fits, "the search placeholder is truncated"


def test_a_free_bookings_details_offer_no_refund(browser, app_url: str) -> None:
    _free_booking(app_url, "Freda Free", "freda@example.com")
    page = customer_page(browser, zone="Europe/Berlin", locale="en-GB")
    sign_in_as_demo(page, app_url)
    wait_for_heading(page, "Bookings")
    _placeholder_fits(page)
    page.get_by_label("Search by customer").fill("Freda")
    expect(page.get_by_text("1 booking · page 1 of 1")).to_be_visible()  # not "1 booking(s)"
    page.get_by_role("button", name="Details of the booking by Freda Free").click()
    details = page.get_by_role("dialog")
    expect(details.get_by_text("Intro call with Freda Free")).to_be_visible()
    expect(details.get_by_role("button", name="Cancel booking")).to_be_visible()
    expect(details.get_by_role("button", name="Cancel and refund")).to_have_count(0)
    expect(details.get_by_text("Paid (not refunded)")).to_have_count(0)
    expect(details.get_by_text("Refunded", exact=True)).to_have_count(0)
    expect(details.get_by_text("Stripe reference")).to_have_count(0)
    screenshot(page, "dashboard-free-details-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "dashboard-free-details-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    details.get_by_role("button", name="Cancel booking").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm.get_by_text("Nothing has been paid, so there is nothing to refund.")).to_be_visible()
    expect(confirm.get_by_role("button", name="Cancel booking")).to_be_visible()
    page.context.close()


def test_session_type_dialog_fits_a_small_window_and_types_can_be_reordered(browser, app_url: str) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="Europe/Berlin",
                               locale="en-GB").new_page()
    sign_in_as_demo(page, app_url, "/dashboard/session-types/")
    wait_for_heading(page, "Session types")
    page.get_by_role("button", name="New session type").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Save")).to_be_in_viewport(ratio=1)  # without scrolling
    expect(dialog.get_by_label("Minimum notice (minutes)")).to_have_value("240")  # not "anyone, right now"
    dialog.get_by_label("Title").focus()
    page.mouse.wheel(0, 3000)  # the form scrolls under the actions, which stay in sight
    expect(dialog.get_by_role("button", name="Save")).to_be_in_viewport(ratio=1)
    screenshot(page, "session-types-new-dialog-800")
    dialog.get_by_role("button", name="Cancel").click()

    expect(dialog).not_to_be_visible()
    titles = page.get_by_role("main").get_by_role("heading", level=2)
    first, second = titles.nth(0).inner_text(), titles.nth(1).inner_text()
    expect(page.get_by_role("button", name=f"Move {first} up")).to_be_disabled()
    page.get_by_role("button", name=f"Move {first} down").click()
    expect(titles.nth(0)).to_have_text(second)
    expect(titles.nth(1)).to_have_text(first)
    kinds = _api(f"{app_url}/api/builders/demo/session-types")["session_types"]
    assert [kind["title"] for kind in kinds][:2] == [second, first]  # the booking page's order
    page.get_by_role("button", name=f"Move {first} up").click()  # back as it was, for the other tests
    expect(titles.nth(0)).to_have_text(first)
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "session-types-phone")
    page.context.close()


def test_revenue_tiles_say_gross_or_net_and_fit_a_phone(browser, app_url: str) -> None:
    page = customer_page(browser, "phone", zone="Europe/Berlin", locale="en-GB")
    sign_in_as_demo(page, app_url)
    wait_for_heading(page, "Bookings")
    tiles = page.locator("#revenue-tiles > *")
    expect(tiles.first).to_contain_text("gross")
    expect(page.get_by_text("Net revenue per day")).to_contain_text("after refunds")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        # A busy builder's figures (the demo's are small): the widest amount a tile must hold.
        tiles.evaluate_all("""(tiles) => tiles.forEach((tile) => {
            const value = tile.querySelector('[data-tile-value]');
            if (value) value.textContent = '£12,345.00'; })""")
        clipped = tiles.evaluate_all("""(tiles) => tiles.filter((tile) =>
            [tile, ...tile.querySelectorAll('*')].some((el) => el.scrollWidth > el.clientWidth + 1
                || el.getBoundingClientRect().right > tile.getBoundingClientRect().right + 1)).length""")
        screenshot(page, f"dashboard-revenue-{width}")
        assert clipped == 0, f"{clipped} revenue tiles are clipped at {width} px"
    page.context.close()


def test_the_dashboard_follows_the_builders_12_hour_browser(browser, app_url: str) -> None:
    _free_booking(app_url, "Clock Twelve", "clock12@example.com", index=3)
    page = customer_page(browser, zone="Europe/Berlin", locale="en-US")  # a 12-hour browser
    sign_in_as_demo(page, app_url)
    wait_for_heading(page, "Bookings")
    page.get_by_label("Search by customer").fill("Clock Twelve")
    row = page.get_by_role("row", name=re.compile("Clock Twelve"))
    expect(row).to_contain_text(re.compile(r"\d:\d\d (am|pm)–\d{1,2}:\d\d (am|pm) \(Europe/Berlin\)"))
    page.get_by_role("button", name="Details of the booking by Clock Twelve").click()
    expect(page.get_by_role("dialog")).to_contain_text(re.compile(r"(am|pm) \(Europe/Berlin\)"))
    # The timeline too (it kept 24-hour times: failed before).
    expect(page.locator("#booking-timeline")).to_contain_text(re.compile(r", \d{1,2}:\d\d:\d\d (am|pm)"))
    page.context.close()


@pytest.mark.parametrize(("locale", "choice", "twelve", "slot"), [
    pytest.param("en-GB", None, False, 4, id="24-hour browser"),
    pytest.param("en-GB", "12h", True, 5, id="24-hour browser, 12h chosen in the wizard"),
    pytest.param("en-US", "24h", False, 6, id="12-hour browser, 24h chosen in the wizard"),
])
def test_the_dashboard_uses_the_clock_of_the_builders_browser(browser, app_url: str, locale: str,
                                                               choice: str | None, twelve: bool, slot: int) -> None:
    """Issue 18, defect 3: a 24-hour browser sees "14:30"; a choice made with the booking wizard's
    12h/24h switch in this browser wins over the browser's habit, as on the confirmation page."""
    name = f"Clock {locale} {choice or 'auto'}"
    _free_booking(app_url, name, f"clock-{locale.lower()}-{choice or 'auto'}@example.com", index=slot)
    page = customer_page(browser, zone="Europe/Berlin", locale=locale)
    if choice:
        page.add_init_script(f"localStorage.setItem('makerhours.clock', '{choice}')")
    sign_in_as_demo(page, app_url)
    wait_for_heading(page, "Bookings")
    page.get_by_label("Search by customer").fill(name)
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    clock = r"\d{1,2}:\d\d (am|pm)" if twelve else r"\d\d:\d\d"
    expect(row).to_contain_text(re.compile(rf"{clock}–{clock} \(Europe/Berlin\)"))
    page.get_by_role("button", name=f"Details of the booking by {name}").click()
    timeline = page.locator("#booking-timeline")
    expect(timeline).to_contain_text(re.compile(r", \d{1,2}:\d\d:\d\d" + (" (am|pm)" if twelve else r"(?! [ap]m)")))
    if not twelve:
        expect(page.get_by_role("dialog")).not_to_contain_text(re.compile(r"\d (am|pm)"))
    page.context.close()
