"""Leaving the app for another page in the same tab."""

from __future__ import annotations

import json

import reflex as rx


def go_to_checkout(url: str) -> rx.event.EventSpec:
    """Load ``url`` as a whole new document in this tab.

    ``rx.redirect`` routes URLs on the app's own host inside the single-page app, so the local
    Stripe emulator's checkout page (same host, not a Reflex page) would show the 404 page.
    """
    return rx.call_script(f"window.location.assign({json.dumps(url)})")
