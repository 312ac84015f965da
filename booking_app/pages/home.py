"""``/``: the landing page, with the builders one can book (the demo builder first)."""

import asyncio

import reflex as rx

from booking_app.components.avatar import builder_avatar
from booking_app.components.layout import page_shell
from booking_app.components.theme import PRODUCT_NAME, TAGLINE
from booking_app.demo import DEMO_SLUG
from booking_app.pages import wizard_data
from booking_app.pages.wizard_data import BuilderCard
from booking_app.state.checked import checked

ROUTE = "/"

STEPS = (
    ("layout-list", "Choose a session", "From a free intro call to a full build session, priced up front."),
    ("clock", "Pick a time", "Open slots are shown in your own time zone, updated live."),
    ("credit-card", "Pay securely", "Checkout runs on Stripe; your card details never touch us."),
    ("calendar-check", "You're booked", "A confirmation page, a calendar invite and a link to manage it."),
)


class HomeState(rx.State):
    builders: list[BuilderCard] = []
    builders_loaded: bool = False

    @rx.event
    @checked()
    async def load(self):
        self.builders = await asyncio.to_thread(wizard_data.load_builders, DEMO_SLUG)
        self.builders_loaded = True


def _builder_card(builder) -> rx.Component:
    return rx.el.article(rx.card(
        rx.vstack(
            rx.hstack(
                builder_avatar(builder.photo_url, builder.initials, builder.name, size="5"),
                rx.vstack(
                    rx.heading(builder.name, as_="h3", size="4"),
                    rx.text(builder.headline, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                align="center",
                spacing="3",
            ),
            rx.cond(builder.bio != "",
                    rx.text(builder.bio, size="2", class_name="clamp-3", white_space="pre-line")),
            rx.link(rx.button("Book a session", rx.icon("arrow-right", size=16), size="3", width="100%"),
                    href="/book/" + builder.slug + "/", width="100%"),
            spacing="4",
            width="100%",
        ),
        size="3", width="100%",
    ), display="flex")


def _builders() -> rx.Component:
    return rx.box(
        rx.heading("Book a builder", as_="h2", size="6", margin_bottom="1rem"),
        rx.cond(
            HomeState.builders_loaded,
            rx.cond(
                HomeState.builders.length() > 0,
                rx.grid(rx.foreach(HomeState.builders, _builder_card), columns=rx.breakpoints(initial="1", sm="2", md="3"),
                        spacing="4", width="100%"),
                rx.text("No builders are taking bookings yet.", color_scheme="gray"),
            ),
            rx.center(rx.spinner(size="3"), padding="2rem"),
        ),
        margin_bottom="3rem",
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
        _builders(),
        rx.heading("How it works", as_="h2", size="6", margin_bottom="1rem"),
        rx.grid(
            *(_step(icon, title, body, n) for n, (icon, title, body) in enumerate(STEPS, start=1)),
            columns={"initial": "1", "sm": "2", "md": "4"},
            spacing="4",
            width="100%",
        ),
        rx.text("Booked already? ", rx.link("Find your bookings", href="/bookings/find/", underline="always"),
                " — we'll e-mail you the links.", size="2", color_scheme="gray", margin_top="1.5rem"),
    )


def register(app: rx.App) -> None:
    app.add_page(index, route=ROUTE, title=f"{PRODUCT_NAME} — {TAGLINE}",
                 description="Book paid or free sessions with expert app builders.", on_load=HomeState.load)
