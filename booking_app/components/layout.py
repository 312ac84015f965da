"""Page chrome shared by every page: header with the product mark, content column, footer."""

import reflex as rx

from booking_app.components.theme import PRODUCT_NAME
from booking_app.settings import get_settings


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("calendar-check", size=18, color="white"),
                width="32px",
                height="32px",
                border_radius="10px",
                background=rx.color("accent", 9),
            ),
            rx.text(PRODUCT_NAME, weight="bold", size="4", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        aria_label=f"{PRODUCT_NAME} home",
    )


def header(customer_link: bool = True, builder_link: bool = True) -> rx.Component:
    """The product mark; on public pages also the customers' "My bookings" (signs in by e-mail
    code when needed) and the builders' way in (sign-in, then the dashboard). The builder's
    dashboard pages have their own "Bookings" and show neither."""
    my_bookings = (rx.link("My bookings", href="/account/", size="2", weight="medium", id="header-my-bookings")
                   if customer_link else rx.fragment())
    sign_in = (rx.link(rx.icon("log-in", size=16), "Builder sign-in", href="/login/", size="2", weight="medium",
                       display="inline-flex", align_items="center", gap="0.35rem")
               if builder_link else rx.fragment())
    return rx.el.header(
        rx.container(
            rx.hstack(brand(), rx.hstack(my_bookings, sign_in, spacing="4", align="center"), justify="between",
                      align="center", padding_y="0.75rem"),
            size="4",
        ),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
        class_name="site-chrome",  # hidden inside the embedded widget (styles.css)
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.container(
            rx.text(
                f"© {PRODUCT_NAME} · Payments are processed securely by Stripe.",
                size="1",
                color_scheme="gray",
                padding_y="1.25rem",
            ),
            size="4",
        ),
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="auto",
        class_name="site-chrome",
    )


def _mail_is_local() -> bool:
    return get_settings().smtp_url is None


def test_mode_banner() -> rx.Component:
    """Shown on every page while payments go to the local Stripe emulator."""
    return rx.box(
        rx.text("Test mode — local payments. No real money moves. ",
                *([rx.link("Mails go to the local mailbox.", href="/dev/mailbox/", color="inherit",
                           underline="always")] if _mail_is_local() else []),
                size="1", weight="medium"),
        text_align="center",
        padding_y="0.35rem",
        background=rx.color("amber", 3),
        color=rx.color("amber", 12),  # amber 11 on amber 3 misses 4.5:1 at this size (axe)
        role="status",
        class_name="site-chrome",
    )


def page_shell(*children: rx.Component, customer_link: bool = True, builder_link: bool = True) -> rx.Component:
    """Wrap a page's content in the shared header, a centred column and the footer
    (``customer_link`` / ``builder_link``: the header's "My bookings" and "Builder sign-in",
    both off on the builder's dashboard)."""
    return rx.flex(
        test_mode_banner() if get_settings().uses_stripe_emulator else rx.fragment(),
        header(customer_link, builder_link),
        rx.el.main(rx.container(*children, size="4", padding_x="1rem", padding_bottom="3rem"), flex="1"),
        footer(),
        direction="column",
        min_height="100vh",
        background=rx.color("gray", 2),
        class_name="page-shell",
    )
