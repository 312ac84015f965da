"""The frame of every builder page: who is signed in, the dashboard's sections, sign out."""

from __future__ import annotations

import reflex as rx

from booking_app.components.layout import page_shell
from booking_app.state.auth import AuthState

SECTIONS = (
    ("/dashboard/", "Bookings", "calendar-days"),
    ("/dashboard/session-types/", "Session types", "layout-list"),
    ("/dashboard/availability/", "Availability", "clock"),
    ("/dashboard/calendars/", "Calendars", "calendar-sync"),
    ("/dashboard/developers/", "Developers", "code"),  # integrations (issue 17)
    ("/dashboard/profile/", "Profile", "user-round"),  # what customers see of the builder
)


def _nav_link(href: str, label: str, icon: str, current: str) -> rx.Component:
    active = href == current
    return rx.link(
        rx.button(rx.icon(icon, size=16), label, variant="solid" if active else "soft", size="2"),
        href=href, aria_current="page" if active else None,
    )


def dashboard_shell(current: str, title: str, *children: rx.Component) -> rx.Component:
    """``current`` is the section's path; ``children`` show only once the builder is known."""
    return page_shell(
        rx.cond(
            AuthState.signed_in,
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.text("Signed in as " + AuthState.builder_name, size="2", color_scheme="gray"),
                        rx.heading(title, as_="h1", size="7"),
                        spacing="1",
                    ),
                    rx.hstack(
                        rx.link(rx.button(rx.icon("external-link", size=16), "Your booking page", variant="ghost",
                                          size="2"),
                                href="/book/" + AuthState.builder_slug + "/"),
                        rx.button("Sign out", on_click=AuthState.sign_out, variant="outline", color_scheme="gray",
                                  size="2"),
                        spacing="2", align="center", wrap="wrap",
                    ),
                    justify="between", align="end", wrap="wrap", gap="1rem", width="100%",
                ),
                rx.el.nav(
                    rx.hstack(*(_nav_link(href, label, icon, current) for href, label, icon in SECTIONS),
                              spacing="2", wrap="wrap"),
                    aria_label="Dashboard sections",
                ),
                *children,
                spacing="5", width="100%", padding_top="1.5rem",
            ),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        ),
        customer_link=False,
        builder_link=False,
    )
