"""``/bookings/find``: "Find my bookings" — the links to your bookings, sent to your e-mail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import reflex as rx

from booking_app import messages
from booking_app.bookings.lookup import send_links
from booking_app.components.layout import page_shell
from booking_app.errors import DomainError
from booking_app.state.checked import checked, text

ROUTE = "/bookings/find"


class FindBookingsState(rx.State):
    email: str = ""
    busy: bool = False
    sent: str = ""
    error: str = ""

    @rx.event
    @checked(value=text(320))
    def set_email(self, value: str):
        self.email = value[:320]

    @rx.event
    @checked()
    async def submit(self, _form: dict | None = None):
        self.busy, self.sent, self.error = True, "", ""
        yield
        try:
            await asyncio.to_thread(send_links, self.email, client_address=self.router.session.client_ip or None,
                                    now=datetime.now(UTC))
        except DomainError as exc:
            self.busy, self.error = False, exc.message
            return
        self.busy, self.sent = False, messages.LOOKUP_SENT


def find_bookings_page() -> rx.Component:
    s = FindBookingsState
    return page_shell(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Find your bookings", as_="h1", size="6"),
                    rx.text("Closed the tab or lost the e-mail? Enter the address you booked with and we'll e-mail "
                            "you the links to your upcoming bookings.", size="2", color_scheme="gray"),
                    rx.vstack(
                        rx.el.label("E-mail address", html_for="lookup-email", style={"fontWeight": 500}),
                        rx.input(id="lookup-email", type="email", name="email", value=s.email, on_change=s.set_email,
                                 auto_complete="email", required=True, size="3", width="100%",
                                 aria_invalid=rx.cond(s.error != "", "true", "false"),
                                 aria_describedby=rx.cond(s.error != "", "lookup-error", "")),
                        spacing="1", width="100%",
                    ),
                    rx.cond(s.error != "", rx.callout(s.error, icon="triangle-alert", color_scheme="red", role="alert",
                                                      id="lookup-error", width="100%")),
                    rx.box(
                        rx.button("E-mail me the links", type="submit", size="3", loading=s.busy, disabled=s.busy),
                        # The live region is there from the start, so screen readers announce the answer.
                        rx.box(rx.cond(s.sent != "", rx.callout(s.sent, icon="mail-check", color_scheme="green",
                                                                width="100%", margin_top="0.75rem")),
                               role="status"),
                        width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=s.submit, reset_on_submit=False,
            ),
            size="3", max_width="480px", margin_x="auto", margin_top="2rem",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(find_bookings_page, route=ROUTE, title="Find your bookings")
