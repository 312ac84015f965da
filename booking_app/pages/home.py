"""``/``: the landing page."""

import reflex as rx

from booking_app.components.layout import page_shell
from booking_app.components.theme import PRODUCT_NAME, TAGLINE

ROUTE = "/"

STEPS = (
    ("layout-list", "Choose a session", "From a free intro call to a full build session, priced up front."),
    ("clock", "Pick a time", "Open slots are shown in your own time zone, updated live."),
    ("credit-card", "Pay securely", "Checkout runs on Stripe; your card details never touch us."),
    ("calendar-check", "You're booked", "A confirmation page, a calendar invite and a link to manage it."),
)


def _step(icon: str, title: str, body: str, number: int) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(rx.icon(icon, size=20), width="40px", height="40px", border_radius="12px",
                          background=rx.color("accent", 3), color=rx.color("accent", 11)),
                rx.text(f"Step {number}", size="1", color_scheme="gray", weight="medium"),
                align="center",
                justify="between",
                width="100%",
            ),
            rx.heading(title, as_="h3", size="4"),
            rx.text(body, size="2", color_scheme="gray"),
            spacing="3",
            align="start",
        ),
        size="3",
    )


def _hero() -> rx.Component:
    return rx.vstack(
        rx.badge("Book · Pay · Build", size="2", radius="full", variant="soft"),
        rx.heading(TAGLINE, as_="h1", size={"initial": "8", "md": "9"}, weight="bold",
                   max_width="18em", line_height="1.1"),
        rx.text(
            f"{PRODUCT_NAME} connects you with experienced app builders. Pick a session, choose a "
            "time that suits you, pay in a few seconds, and get straight to building.",
            size={"initial": "3", "md": "4"},
            color_scheme="gray",
            max_width="38em",
        ),
        spacing="4",
        align="start",
        padding_top=rx.breakpoints(initial="2rem", md="4rem"),
        padding_bottom=rx.breakpoints(initial="2.5rem", md="4rem"),
    )


def index() -> rx.Component:
    return page_shell(
        _hero(),
        rx.heading("How it works", as_="h2", size="6", margin_bottom="1rem"),
        rx.grid(
            *(_step(icon, title, body, n) for n, (icon, title, body) in enumerate(STEPS, start=1)),
            columns={"initial": "1", "sm": "2", "md": "4"},
            spacing="4",
            width="100%",
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(index, route=ROUTE, title=f"{PRODUCT_NAME} — {TAGLINE}",
                 description="Book paid or free sessions with expert app builders.")
