"""Run the runnable examples in the pure modules' docstrings."""

import doctest

import pytest

from booking_app import formatting, money, timezones, tokens
from booking_app.pages import wizard_data
from booking_app.scheduling import slots


@pytest.mark.parametrize("module", [slots, money, tokens, timezones, formatting, wizard_data], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
