"""One visual style for every page."""

import dataclasses
from typing import Any

import reflex as rx

PRODUCT_NAME = "Makerhours"
TAGLINE = "Book an hour with the people who build apps"

THEME = rx.theme(appearance="light", accent_color="iris", gray_color="slate", radius="large", scaling="100%")

# The colour scales the pages use: the theme's accent and grey, and the colour_scheme /
# var(--name-N) values in booking_app (badges, callouts, banners). A colour used anywhere else
# must be added here, or it renders without its scale (tests/unit/test_theme_colours.py checks).
USED_COLOURS = ("amber", "blue", "gray", "green", "iris", "orange", "red", "slate", "violet")

# The responsive breakpoints the pages use (rx.breakpoints(sm=…, md=…)). Radix Themes ships
# rules for five; the others' rules are dropped from the stylesheet at build time
# (frontend_build.UnusedBreakpoints). tests/unit/test_theme_colours.py checks the pages.
RADIX_BREAKPOINTS = ("xs", "sm", "md", "lg", "xl")
USED_BREAKPOINTS = ("sm", "md")


@dataclasses.dataclass
class RadixThemesUsedColours(rx.plugins.RadixThemesPlugin):
    """Radix Themes with only the colour scales the app uses.

    Reflex imports ``@radix-ui/themes/styles.css``: the tokens of all 30 colour scales (35 KB
    compressed) plus components and utilities, 86 KB in all, render-blocking on every page.
    Radix ships the same CSS in parts; the base tokens and nine scales are 16 KB, so every
    first paint waits for about 19 KB less (measured in ``benchmarks.pages``)."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return ("@radix-ui/themes/tokens/base.css",
                *(f"@radix-ui/themes/tokens/colors/{colour}.css" for colour in USED_COLOURS),
                "@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
