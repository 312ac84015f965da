"""The wizard's calendar is a WAI-ARIA date grid (issue 18, defect 12): one Tab stop, arrow keys,
Home/End, Page Up/Down and Enter; reaching a time from the session step takes a few Tab presses
(it took 22 when every day was its own Tab stop)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import FREE, cell_name, choose_session, customer_page, day_cell, open_wizard
from tests.e2e.wizard import times_on, wait_for_heading, weekday_ahead

pytestmark = pytest.mark.e2e


def _tabs_to_grid(page: Page) -> int:
    """Step heading → time zone → clock format → the month buttons that are enabled → the grid:
    4 when the calendar shows this month (no "Previous month"), 5 otherwise."""
    return 3 + page.locator("#calendar-previous:enabled, #calendar-next:enabled").count()


def _focused_date(page: Page) -> str:
    return page.evaluate("document.activeElement.closest('[data-date-grid]') ? "
                         "document.activeElement.getAttribute('data-date') : ''")


def _press(page: Page, key: str, expected: date) -> None:
    page.keyboard.press(key)
    expect(day_cell(page, expected)).to_be_focused()


def _tab_stops_in_grid(page: Page) -> int:
    return page.locator('[data-date-grid] [tabindex="0"]').count()


def test_the_keyboard_reaches_a_time_in_a_few_tab_presses(browser, app_url: str) -> None:
    page = customer_page(browser)
    open_wizard(page, app_url)
    wait_for_heading(page, "Choose a session")
    for _ in range(10):  # the session cards come after the header's links
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label') || ''").startswith(FREE + ","):
            break
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="Pick a date and time")
    expect(heading).to_be_focused()  # the step change moves the focus to the new step's heading
    page.locator('#time-picker[aria-busy="false"]').wait_for()

    tabs = 0
    while not _focused_date(page) and tabs < 30:
        page.keyboard.press("Tab")
        tabs += 1
    assert tabs == _tabs_to_grid(page) <= 5, f"{tabs} Tab presses from the heading to the calendar"
    assert _tab_stops_in_grid(page) == 1
    start = date.fromisoformat(_focused_date(page))
    selected = page.get_by_role("grid").get_by_role("gridcell", selected=True)
    assert selected.get_attribute("data-date") == start.isoformat()  # the Tab stop is the selected day

    # Arrows to a Wednesday two to three weeks ahead (may be in the next month: the grid turns it).
    target = weekday_ahead(1, 2)
    days = (target - start).days
    for _ in range(days // 7):
        start += timedelta(days=7)
        _press(page, "ArrowDown", start)
    for _ in range(days % 7):
        start += timedelta(days=1)
        _press(page, "ArrowRight", start)
    assert start == target and _tab_stops_in_grid(page) == 1
    page.keyboard.press("Enter")
    expect(day_cell(page, target)).to_have_attribute("aria-selected", "true")
    expect(times_on(page, target)).to_be_visible()
    page.keyboard.press("Tab")  # the grid is one stop: next come the day's times
    first_time = times_on(page, target).get_by_role("button").first
    expect(first_time).to_be_focused()
    page.keyboard.press("Enter")
    wait_for_heading(page, "Your details")
    expect(page.get_by_label("Name")).to_be_focused()

    # Back to the times: the heading has the focus again, and the grid still needs the same presses.
    page.get_by_role("button", name="Back", exact=True).click()
    expect(heading).to_be_focused()
    page.locator('#time-picker[aria-busy="false"]').wait_for()
    for _ in range(_tabs_to_grid(page)):
        page.keyboard.press("Tab")
    assert _focused_date(page) == target.isoformat()  # the selected day is the grid's Tab stop
    page.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_grid_keys_roles_and_names(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport)
    open_wizard(page, app_url)
    choose_session(page, FREE)
    page.locator('#time-picker[aria-busy="false"]').wait_for()
    grid = page.get_by_role("grid")
    expect(grid).to_have_accessible_name(page.locator("#calendar-month").inner_text())
    headers = grid.get_by_role("columnheader")
    expect(headers).to_have_count(7)
    expect(headers.first).to_have_accessible_name("Monday")
    expect(headers.last).to_have_accessible_name("Sunday")
    assert _tab_stops_in_grid(page) == 1

    day = weekday_ahead(0, 2)  # a Wednesday: its row has days on both sides
    title = page.locator("#calendar-month")
    if title.inner_text() != f"{day:%B %Y}":
        page.get_by_role("button", name="Next month").click()
        expect(title).to_have_text(f"{day:%B %Y}")
    day_cell(page, day).click()  # the mouse still picks a day
    cell = day_cell(page, day)
    expect(cell).to_have_attribute("aria-selected", "true")
    expect(times_on(page, day)).to_be_visible()
    expect(cell).to_be_focused()
    _press(page, "ArrowRight", day + timedelta(days=1))
    # A re-render now (React gives its Tab stop, the selected day, tabindex 0 again): the
    # focused day stays the grid's only Tab stop.
    page.evaluate(f"document.querySelector('[data-date=\"{day.isoformat()}\"]').setAttribute('tabindex', '0')")
    expect(page.locator('[data-date-grid] [tabindex="0"]')).to_have_count(1)
    expect(day_cell(page, day + timedelta(days=1))).to_have_attribute("tabindex", "0")
    _press(page, "ArrowLeft", day)
    _press(page, "ArrowLeft", day - timedelta(days=1))
    _press(page, "ArrowRight", day)
    week_start = max(day - timedelta(days=2), day.replace(day=1))
    _press(page, "Home", week_start)
    week_end = day + timedelta(days=4)
    if week_end.month != day.month:
        week_end = day.replace(day=1) + timedelta(days=32)
        week_end = week_end.replace(day=1) - timedelta(days=1)
    _press(page, "End", week_end)
    _press(page, "ArrowLeft", week_end - timedelta(days=1))
    assert _tab_stops_in_grid(page) == 1

    # A Sunday has no times: focusable, announced as unavailable, and Enter does not pick it.
    sunday = day + timedelta(days=4)
    if sunday.month == day.month:
        expect(day_cell(page, sunday)).to_have_attribute("aria-disabled", "true")
        expect(day_cell(page, sunday)).to_have_accessible_name(f"{cell_name(sunday)}, no times")
        page.keyboard.press("End")
        expect(day_cell(page, sunday)).to_be_focused()
        page.keyboard.press("Enter")
        expect(day_cell(page, day)).to_have_attribute("aria-selected", "true")
        page.keyboard.press("Home")
    focused = date.fromisoformat(_focused_date(page))

    # Page Down / Page Up: the same day of the next month (or its last), loaded as the month buttons load it.
    shown = title.inner_text()
    page.keyboard.press("PageDown")
    expect(title).not_to_have_text(shown)
    next_day = _add_month(focused, 1)
    expect(day_cell(page, next_day)).to_be_focused()
    assert _tab_stops_in_grid(page) == 1
    page.mouse.move(0, 0)  # no hover in the picture: only the keyboard focus
    screenshot(page, f"calendar-grid-{viewport}-focused")
    page.keyboard.press("PageUp")
    expect(title).to_have_text(shown)
    expect(day_cell(page, _add_month(next_day, -1))).to_be_focused()
    page.context.close()


def _add_month(day: date, step: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + step, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
