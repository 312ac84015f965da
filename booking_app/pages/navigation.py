"""Leaving the app for another page in the same tab."""

from __future__ import annotations

import reflex as rx

from booking_app.pages.embedding import checkout_script


def go_to_checkout(url: str) -> rx.event.EventSpec:
    """Load ``url`` as a whole new document in this tab (in the embedded widget: the top window).

    ``rx.redirect`` routes URLs on the app's own host inside the single-page app, so the local
    Stripe emulator's checkout page (same host, not a Reflex page) would show the 404 page.
    """
    return rx.call_script(checkout_script(url))
