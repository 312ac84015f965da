"""Reflex configuration. Everything environment-specific comes from booking_app.settings."""

import reflex as rx

from booking_app.components.theme import THEME, RadixThemesUsedColours
from booking_app.frontend_build import ChunkGroups, UnusedBreakpoints
from booking_app.settings import get_settings

_settings = get_settings()  # exits with a message naming the variable if a value is invalid

config = rx.Config(
    app_name="booking_app",
    db_url=_settings.database_url,
    show_built_with_reflex=False,
    cors_allowed_origins=_settings.cors_origin_list,
    telemetry_enabled=False,
    plugins=[RadixThemesUsedColours(theme=THEME), ChunkGroups(), UnusedBreakpoints()],
    # Brotli first (about a sixth fewer bytes than gzip on the booking page; every current
    # browser sends "br"), gzip for the rest. Both are written at build time.
    frontend_compression_formats=["brotli", "gzip"],
    # Radix Themes' whole namespace only when a component compiled in the browser needs it
    # (the app has none), not on every page.
    frontend_lazy_bundled_libraries=True,
    # The sitemap needs a public deploy URL at build time and lists nothing private anyway.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
