"""The trimmed Radix stylesheet (components/theme.py) holds every colour scale and responsive
breakpoint the pages use."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from booking_app.components.theme import RADIX_BREAKPOINTS, THEME, USED_BREAKPOINTS, USED_COLOURS

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


def breakpoints_in_sources() -> set[str]:
    """Every breakpoint named in rx.breakpoints(...) calls and in responsive dicts
    ({"initial": …, "md": …}) in the app's code."""
    found: set[str] = set()
    for path in [*ROOT.joinpath("booking_app").rglob("*.py"), ROOT / "rxconfig.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "breakpoints":
                found.update(keyword.arg for keyword in node.keywords if keyword.arg != "initial")
            elif isinstance(node, ast.Dict):
                keys = {key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}
                if "initial" in keys:
                    found.update(keys & set(RADIX_BREAKPOINTS))
    return found


def test_every_breakpoint_the_pages_use_keeps_its_rules() -> None:
    used = breakpoints_in_sources()
    assert used, "the scan found no rx.breakpoints at all: it no longer reads the pages"
    missing = used - set(USED_BREAKPOINTS)
    assert not missing, f"add to USED_BREAKPOINTS in booking_app/components/theme.py: {sorted(missing)}"
    assert set(USED_BREAKPOINTS) <= set(RADIX_BREAKPOINTS)
