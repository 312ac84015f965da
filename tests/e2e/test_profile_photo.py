"""Issue 18, defect 9 remainder: a builder uploads a profile photo in the browser; customers see
it on the home page's card and the booking page; removing it brings the initials back."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.e2e.test_accessibility import _violations
from tests.e2e.wizard import customer_page, sign_in_as_demo, wait_for_heading

pytestmark = pytest.mark.e2e
ALT = "Photo of Mira Novak"
PHOTO_URL = re.compile(r"/api/builders/demo/photo\?size=256&v=[0-9a-f]{16}$")


def portrait_jpeg() -> bytes:
    """A 900×1200 'portrait': a face-like disc on a gradient, off-centre enough to show the crop."""
    image = Image.new("RGB", (900, 1200))
    draw = ImageDraw.Draw(image)
    for y in range(1200):
        draw.line([(0, y), (900, y)], fill=(40 + y // 10, 90, 160 - y // 12))
    draw.ellipse((250, 300, 650, 760), fill=(236, 188, 150))
    draw.rectangle((200, 820, 700, 1200), fill=(30, 60, 110))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def loaded_width(image) -> int:
    expect(image).to_be_visible()
    image.evaluate("(img) => img.complete || new Promise((done) => img.addEventListener('load', done, {once: true}))")
    return image.evaluate("(img) => img.naturalWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_builder_uploads_a_photo_customers_see(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport, zone="Europe/Berlin", locale="en-GB")
    sign_in_as_demo(page, app_url, "/dashboard/profile/")
    wait_for_heading(page, "Profile")
    picker = page.locator("#profile-photo input[type=file]")

    # Refused in the browser before sending: not an image type, over 5 MB.
    picker.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.locator("#profile-photo-error")).to_have_text("Please choose a PNG, JPEG or WebP photo.")
    picker.set_input_files(files=[{"name": "huge.png", "mimeType": "image/png", "buffer": b"\0" * (5 * 1024 * 1024 + 1)}])
    expect(page.locator("#profile-photo-error")).to_have_text("The photo is larger than 5 MB. Please choose a smaller one.")
    # Not an image, whatever its name says: refused by the server with a clear message.
    picker.set_input_files(files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"%PDF-1.7 not a photo"}])
    expect(page.get_by_role("alert")).to_contain_text("This file is not a PNG, JPEG or WebP image")
    expect(page.get_by_role("img", name=ALT)).to_have_count(0)
    found = _violations(page, "photo refused")
    screenshot(page, f"profile-photo-refused-{viewport}")

    picker.set_input_files(files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": portrait_jpeg()}])
    expect(page.get_by_text("Photo saved")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="not a PNG")).to_have_count(0)
    mine = page.get_by_role("img", name=ALT)
    expect(mine).to_have_attribute("src", PHOTO_URL)
    assert loaded_width(mine) == 256
    expect(page.get_by_role("button", name="Replace photo")).to_be_visible()
    screenshot(page, f"profile-photo-{viewport}")
    try:
        expect(page.get_by_text("Photo saved")).to_have_count(0, timeout=15_000)  # the toast fades while axe measures
        found += _violations(page, "photo shown")
        assert not found, "\n".join(found)  # axe: no critical or serious violation
        customer = customer_page(browser, viewport)
        customer.goto(app_url)
        card = customer.get_by_role("article").filter(has_text="Mira Novak")
        photo = card.get_by_role("img", name=ALT)
        expect(photo).to_have_attribute("src", PHOTO_URL)
        assert loaded_width(photo) == 256
        card.scroll_into_view_if_needed()
        screenshot(customer, f"profile-photo-home-{viewport}")
        customer.goto(f"{app_url}/book/demo/")
        wait_for_heading(customer, "Choose a session")
        assert loaded_width(customer.get_by_role("img", name=ALT)) == 256
        screenshot(customer, f"profile-photo-booking-page-{viewport}")
        customer.context.close()
    finally:
        page.get_by_role("button", name="Remove photo").click()
        expect(page.get_by_text("Photo removed")).to_be_visible()
    expect(page.get_by_role("img", name=ALT)).to_have_count(0)
    expect(page.locator("#profile-photo-preview")).to_contain_text("MN")  # the initials instead
    expect(page.get_by_role("button", name="Upload a photo")).to_be_visible()
    page.context.close()
