"""The Vite configuration change of booking_app/frontend_build.py."""

from __future__ import annotations

import pytest

from booking_app.frontend_build import group_icons

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


def test_lucide_is_grouped_after_reflexs_own_group() -> None:
    changed = group_icons(CONFIG)
    assert changed.index('name: "reflex-env"') < changed.index("lucide-react") < changed.index("],")
    assert 'name: "lucide-icons"' in changed
    assert group_icons(changed) == changed  # compiling again changes nothing


def test_a_config_of_another_shape_stops_the_build() -> None:
    with pytest.raises(RuntimeError, match="frontend_build"):
        group_icons(CONFIG.replace("reflex-env", "something-else"))
