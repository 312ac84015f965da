"""The Vite configuration change of booking_app/frontend_build.py."""

from __future__ import annotations

import pytest

from booking_app.frontend_build import add_chunk_groups

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
