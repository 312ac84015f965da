"""``/auth/oidc/finish``: the end of a sign-in through an OpenID Connect provider. The
callback (``api/oidc.py``) sends the browser here with a one-time ticket, which this page's
handler trades for a session (builder or customer) kept in local storage — or with the
reason it failed. Also the "Continue with …" button the sign-in pages show when
``OIDC_ISSUER`` is set (absent otherwise)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import reflex as rx

from booking_app.accounts import oidc
from booking_app.api.oidc import ERROR_KEYS
from booking_app.components.forms import error_callout
from booking_app.components.layout import page_shell
from booking_app.errors import DomainError
from booking_app.settings import get_settings
from booking_app.state.auth import AuthState
from booking_app.state.checked import checked
from booking_app.state.customer import CustomerState


class OidcFinishState(rx.State):
    oidc_error: str = ""

    @rx.event
    @checked()
    async def finish(self):
        query = self.router.url.query_parameters
        if query.get("error"):
            self.oidc_error = ERROR_KEYS.get(query["error"], ERROR_KEYS["failed"])
            return None
        try:
            done = await asyncio.to_thread(oidc.redeem, query.get("ticket", ""), now=datetime.now(UTC))
        except DomainError as exc:
            self.oidc_error = exc.message
            return None
        self.oidc_error = ""
        if done.purpose == "builder":
            await (await self.get_state(AuthState))._signed_in_as(done.token)
        else:
            await (await self.get_state(CustomerState))._customer_signed_in_as(done.token)
        return rx.redirect(done.next_path)


def oidc_button(href) -> rx.Component:
    """"Continue with <OIDC_DISPLAY_NAME>" (a full page load of ``href``, an ``oidc.start_url``:
    the start sets a cookie), or nothing when no provider is configured."""
    settings = get_settings()
    if not settings.oidc_enabled:
        return rx.fragment()
    return rx.vstack(
        rx.hstack(rx.separator(size="4"), rx.text("or", size="1", color_scheme="gray"), rx.separator(size="4"),
                  align="center", width="100%"),
        rx.link(rx.button(rx.icon("key-round", size=16), f"Continue with {settings.oidc_display_name}",
                          variant="outline", size="3", width="100%"),
                href=href, reload_document=True, width="100%", id="oidc-sign-in"),
        spacing="3", width="100%",
    )


def finish_page() -> rx.Component:
    s = OidcFinishState
    return page_shell(rx.card(
        rx.vstack(
            rx.heading(rx.cond(s.oidc_error != "", "Sign-in did not work", "Signing you in"), as_="h1", size="6"),
            rx.cond(s.oidc_error != "",
                    rx.vstack(error_callout(s.oidc_error),
                              rx.text(rx.link("Builder sign-in", href="/login/"), " · ",
                                      rx.link("Customer sign-in", href="/account/sign-in/"), size="2"),
                              width="100%"),
                    rx.text("One moment…", color_scheme="gray", size="2")),
            spacing="4", width="100%",
        ),
        size="4", width="100%", max_width="440px", margin_x="auto", margin_top="2.5rem",
    ))


def register(app: rx.App) -> None:
    app.add_page(finish_page, route="/auth/oidc/finish", title="Signing you in", on_load=OidcFinishState.finish)
