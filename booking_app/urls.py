"""Public URLs, built in one place from ``APP_URL``."""

from __future__ import annotations

from booking_app.settings import get_settings

BOOKING_PAGE = "/booking/[token]"
WIZARD_PAGE = "/book/[builder]"


def booking_page_url(token: str) -> str:
    """The customer's private confirmation/manage page. The trailing slash avoids a redirect
    (see REFLEX_NOTES: behind a proxy the redirect would be built as http://)."""
    return f"{get_settings().app_url}/booking/{token}/"


def wizard_url(builder_slug: str) -> str:
    return f"{get_settings().app_url}/book/{builder_slug}/"


def sign_up_confirm_url(token: str) -> str:
    """The link of the sign-up mail (``/signup/confirm``), which creates the account."""
    return f"{get_settings().app_url}/signup/confirm/?token={token}"


def sign_in_url() -> str:
    return f"{get_settings().app_url}/login/"


def calendar_file_url(token: str) -> str:
    return f"{get_settings().app_url}/api/bookings/{token}/calendar.ics"


def customer_sign_in_link(token: str, next_path: str = "/account/") -> str:
    """The link of a customer's sign-in mail (``/account/sign-in/link``): one click signs in."""
    from urllib.parse import urlencode

    return f"{get_settings().app_url}/account/sign-in/link/?" + urlencode({"token": token, "next": next_path})
