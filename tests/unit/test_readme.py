"""The README's quick start tells a newcomer the truth (issue 18): a measured first start, the
tests apart from it, and that the app must be stopped before the tests run."""

from __future__ import annotations

from booking_app.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def test_the_quick_start_gives_a_measured_first_start_and_leaves_the_tests_to_their_own_section() -> None:
    quick = _section("Quick start")
    assert "about 30 s" not in quick
    assert "we measured" in quick
    assert "test.sh" not in quick and "PostgreSQL tests" not in quick


def test_the_tests_section_says_to_stop_the_app_first() -> None:
    tests = _section("Running the tests")
    assert "Stop the app first" in tests
    assert tests.index("Stop the app first") < tests.index("./scripts/test.sh")
