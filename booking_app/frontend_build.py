"""How the front end is bundled: one change to the Vite configuration Reflex writes.

Reflex's Vite (rolldown) build puts every lucide icon a page uses in a chunk of its own, and
a page's icons are only discovered once the page's own module has loaded: on the booking page
that was a third wave of requests (nine icon files of under 1 KB each) before the first paint,
each wave a round trip on a phone's network. Grouping lucide into one chunk, which the root
layout already loads, removes that wave (see docs/benchmarks.md, "Page speed").
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.constants import ReactRouter

# Inserted after Reflex's own code-splitting group (the env.json one) in vite.config.js.
_ANCHOR = 'name: "reflex-env",\n            },'
_ICON_GROUP = '\n            {\n              test: /node_modules[\\\\/]lucide-react/,\n              name: "lucide-icons",\n            },'


def group_icons(vite_config: str) -> str:
    """vite.config.js with lucide's modules in one chunk. Refuses (at build time) a config
    whose layout changed, rather than building without the group unnoticed."""
    if _ICON_GROUP in vite_config:
        return vite_config
    if vite_config.count(_ANCHOR) != 1:
        raise RuntimeError("vite.config.js no longer has Reflex's code-splitting group; update "
                           "booking_app/frontend_build.py for this Reflex version")
    return vite_config.replace(_ANCHOR, _ANCHOR + _ICON_GROUP)


class IconChunk(rx.plugins.Plugin):
    """Adds the icon group to the Vite configuration at every compile."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](ReactRouter.VITE_CONFIG_FILE, group_icons)
