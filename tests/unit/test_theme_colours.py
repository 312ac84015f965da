"""The trimmed Radix stylesheet (components/theme.py) holds every colour scale the pages use."""

from __future__ import annotations

import re
from pathlib import Path

from booking_app.components.theme import THEME, USED_COLOURS

ROOT = Path(__file__).resolve().parents[2]
RADIX_COLOURS = {
    "amber", "blue", "bronze", "brown", "crimson", "cyan", "gold", "grass", "gray", "green", "indigo", "iris",
    "jade", "lime", "mauve", "mint", "olive", "orange", "pink", "plum", "purple", "red", "ruby", "sage", "sand",
    "sky", "slate", "teal", "tomato", "violet", "yellow",
}
# A colour as a Python string ("green", as color_scheme or in a rx.match table) or a CSS variable.
MENTION = re.compile(r"""["'](%s)["']|--(%s)-a?\d""" % ("|".join(RADIX_COLOURS), "|".join(RADIX_COLOURS)))


def colours_in_sources() -> set[str]:
    found: set[str] = set()
    files = [*ROOT.joinpath("booking_app").rglob("*.py"), *ROOT.joinpath("assets").rglob("*.css"),
             *ROOT.joinpath("assets").rglob("*.js"), ROOT / "rxconfig.py"]
    for path in files:
        for match in MENTION.finditer(path.read_text()):
            found.add(match.group(1) or match.group(2))
    return found


def test_every_colour_the_pages_use_is_in_the_stylesheet() -> None:
    missing = colours_in_sources() - set(USED_COLOURS)
    assert not missing, f"add to USED_COLOURS in booking_app/components/theme.py: {sorted(missing)}"


def test_the_theme_colours_are_included() -> None:
    props = str(THEME.render())
    for colour in ("iris", "slate"):
        assert colour in props and colour in USED_COLOURS
    assert set(USED_COLOURS) <= RADIX_COLOURS
