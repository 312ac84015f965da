"""How the front end is bundled: one change to the Vite configuration Reflex writes.

On a phone's network the booking page's first paint waits for bytes and for round trips, not
for the CPU (docs/benchmarks.md, "Page speed"). Reflex's Vite (rolldown) build splits the code
into one chunk per module group: 49 requests for the booking page, each costing a round trip,
with lucide's icons in chunks of under 1 KB found only after the page's own module loaded.
Two code-splitting groups fix most of that:

* lucide's icons in one chunk, which the root layout already loads;
* every other module grouped by the set of pages that use it (rolldown's ``entriesAware``),
  groups under 30 KB merged into a neighbour: 24 requests for the booking page instead of 49,
  and a page still loads only code that it or the root uses.

A larger merge threshold (100 KB) put a module in a chunk that ran before a chunk it needs (a
blank page: "Cannot read properties of undefined (reading 'forwardRef')"), and rolldown's
``strictExecutionOrder``, which rules that out, cost more blocking time than the grouping saved.
Every page is opened by the end-to-end suite, which is what would catch such a build.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.constants import ReactRouter

# Inserted after Reflex's own code-splitting group (the env.json one) in vite.config.js.
_ANCHOR = 'name: "reflex-env",\n            },'
_GROUPS = '\n            {\n              test: /node_modules[\\\\/]lucide-react/,\n              name: "lucide-icons",\n            },\n            {\n              name: "shared",\n              entriesAware: true,\n              entriesAwareMergeThreshold: 30000,\n            },'


def add_chunk_groups(vite_config: str) -> str:
    """vite.config.js with the two groups. Refuses (at build time) a config whose layout
    changed, rather than building without the groups unnoticed."""
    if _GROUPS in vite_config:
        return vite_config
    if vite_config.count(_ANCHOR) != 1:
        raise RuntimeError("vite.config.js no longer has Reflex's code-splitting group; update "
                           "booking_app/frontend_build.py for this Reflex version")
    return vite_config.replace(_ANCHOR, _ANCHOR + _GROUPS)


class ChunkGroups(rx.plugins.Plugin):
    """Adds the groups to the Vite configuration at every compile."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](ReactRouter.VITE_CONFIG_FILE, add_chunk_groups)
