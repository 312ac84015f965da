"""The Vite configuration change of booking_app/frontend_build.py."""

from __future__ import annotations

import pytest

from booking_app.frontend_build import UnusedBreakpoints, add_chunk_groups, add_postcss_step

CONFIG = '''      output: {
        codeSplitting: {
          groups: [
            {
              test: /env.json/,
              name: "reflex-env",
            },
          ],
        },
      },'''


def test_lucide_and_shared_groups_follow_reflexs_own_group() -> None:
    changed = add_chunk_groups(CONFIG)
    assert changed.index('name: "reflex-env"') < changed.index("lucide-react") < changed.index("],")
    assert 'name: "lucide-icons"' in changed
    assert changed.index("lucide-react") < changed.index('name: "shared"') < changed.index("],")
    assert "entriesAware: true" in changed
    assert add_chunk_groups(changed) == changed  # compiling again changes nothing


def test_a_config_of_another_shape_stops_the_build() -> None:
    with pytest.raises(RuntimeError, match="frontend_build"):
        add_chunk_groups(CONFIG.replace("reflex-env", "something-else"))


POSTCSS = '''export default {
  plugins: {
    "postcss-import": {},
    autoprefixer: noVendorPrefix ? false : {},
  },
};'''


def test_the_breakpoint_step_runs_right_after_postcss_import() -> None:
    changed = add_postcss_step(POSTCSS)
    assert changed.index('"postcss-import"') < changed.index("./postcss-unused-breakpoints.js") < changed.index("autoprefixer")
    assert add_postcss_step(changed) == changed
    with pytest.raises(RuntimeError, match="frontend_build"):
        add_postcss_step(POSTCSS.replace('"postcss-import": {},', ""))


def test_the_postcss_plugin_names_only_the_unused_breakpoints() -> None:
    [(path, source)] = UnusedBreakpoints().get_static_assets()
    assert str(path) == "postcss-unused-breakpoints.js"
    assert r"/\.(xs|lg|xl)\\:/" in source  # .lg\:rt-r-… — never sm or md, which the pages use
    assert "plugin.postcss = true" in source and "export default plugin" in source
