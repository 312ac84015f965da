"""How the front end is bundled: changes to the build configuration Reflex writes.

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

Radix Themes' stylesheet (render-blocking, 628 KB before compression) holds every responsive
rule five times, once per breakpoint; the pages use two. ``UnusedBreakpoints`` adds a PostCSS
step that drops the rules of the other three (``.xs\\:…``, ``.lg\\:…``, ``.xl\\:…``): a third
less CSS for every page to download, parse and match against on every style recalculation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx
from reflex_base.constants import Dirs, ReactRouter

from booking_app.components.theme import RADIX_BREAKPOINTS, USED_BREAKPOINTS

# Inserted after Reflex's own code-splitting group (the env.json one) in vite.config.js.
_ANCHOR = 'name: "reflex-env",\n            },'
_GROUPS = '\n            {\n              test: /node_modules[\\\\/]lucide-react/,\n              name: "lucide-icons",\n            },\n            {\n              name: "shared",\n              entriesAware: true,\n              entriesAwareMergeThreshold: 30000,\n            },'


def insert_after(text: str, anchor: str, addition: str, file: str) -> str:
    """``text`` with ``addition`` right after its one ``anchor`` (unchanged if already there).
    Refuses, at build time, a file whose layout changed, rather than building without the
    change unnoticed."""
    if addition in text:
        return text
    if text.count(anchor) != 1:
        raise RuntimeError(f"{file} no longer has the layout booking_app/frontend_build.py expects; "
                           "update it for this Reflex version")
    return text.replace(anchor, anchor + addition)


def add_chunk_groups(vite_config: str) -> str:
    """vite.config.js with the two groups."""
    return insert_after(vite_config, _ANCHOR, _GROUPS, ReactRouter.VITE_CONFIG_FILE)


class ChunkGroups(rx.plugins.Plugin):
    """Adds the groups to the Vite configuration at every compile."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](ReactRouter.VITE_CONFIG_FILE, add_chunk_groups)


# Written into .web by the plugin; listed in postcss.config.js right after postcss-import, which
# inlines Radix's CSS files, so that it sees their rules.
_POSTCSS_PLUGIN_FILE = "postcss-unused-breakpoints.js"
_POSTCSS_ANCHOR = '"postcss-import": {},'
_POSTCSS_ENTRY = f'\n    "./{_POSTCSS_PLUGIN_FILE}": {{}},'


def unused_breakpoints_plugin(unused: tuple[str, ...]) -> str:
    """A PostCSS plugin (ES module) that removes selectors with the ``unused`` breakpoints'
    prefixes, the rules left without a selector and the media queries left empty."""
    prefixes = "|".join(unused)
    return f"""// Written by booking_app/frontend_build.py: Radix Themes' rules for breakpoints the app does not use.
const UNUSED = /\\.({prefixes})\\\\:/;

const plugin = () => ({{
  postcssPlugin: "makerhours-unused-breakpoints",
  Rule(rule) {{
    if (!UNUSED.test(rule.selector)) return;
    const kept = rule.selectors.filter((selector) => !UNUSED.test(selector));
    const parent = rule.parent;
    if (kept.length) {{
      rule.selectors = kept;
    }} else {{
      rule.remove();
      if (parent && parent.type === "atrule" && parent.nodes.length === 0) parent.remove();
    }}
  }},
}});
plugin.postcss = true;
export default plugin;
"""


def add_postcss_step(postcss_config: str) -> str:
    """postcss.config.js with the plugin after postcss-import."""
    return insert_after(postcss_config, _POSTCSS_ANCHOR, _POSTCSS_ENTRY, Dirs.POSTCSS_JS)


class UnusedBreakpoints(rx.plugins.Plugin):
    """Drops Radix Themes' rules for the breakpoints not in ``theme.USED_BREAKPOINTS``."""

    def get_static_assets(self, **context: Any) -> list[tuple[Path, str]]:
        unused = tuple(name for name in RADIX_BREAKPOINTS if name not in USED_BREAKPOINTS)
        return [(Path(_POSTCSS_PLUGIN_FILE), unused_breakpoints_plugin(unused))]

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](Dirs.POSTCSS_JS, add_postcss_step)
