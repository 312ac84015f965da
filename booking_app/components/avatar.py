"""A builder's photo, round, with their initials while it loads or when they have none
(issue 18). The image's ``alt`` names the builder; the initials stand in for it otherwise."""

from __future__ import annotations

import reflex as rx


def builder_avatar(photo_url, initials, name, size="5", **props) -> rx.Component:
    """``photo_url``, ``initials`` and ``name`` are Vars (or strings); ``photo_url`` "" = none."""
    return rx.avatar(src=photo_url, fallback=initials, size=size, radius="full",
                     custom_attrs={"alt": "Photo of " + name}, **props)
