"""Form pieces shared by the wizard, sign-in and the dashboard: every input has a visible
label, and its message (error or hint) sits right under it."""

from __future__ import annotations

import reflex as rx


def labelled_field(label: str, field_id: str, control: rx.Component, error="", hint: str = "") -> rx.Component:
    """``error`` (a Var or "") is shown in red with ``role="alert"``; otherwise ``hint``, if any."""
    hint_text = rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment()
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=field_id),
        control,
        rx.cond(error != "", rx.text(error, id=f"{field_id}-error", size="1", color=rx.color("red", 11), role="alert"),
                hint_text),
        spacing="1", width="100%",
    )


def error_callout(message) -> rx.Component:
    """A form-level error (``message`` a Var; nothing shown while it is empty)."""
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                                             width="100%"))
