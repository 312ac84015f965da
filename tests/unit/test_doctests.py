"""Run the runnable examples in the pure modules' docstrings."""

import doctest

import pytest

from booking_app import formatting, money, text, timezones, tokens
from booking_app.bookings import customer
from booking_app.offers import terms
from booking_app.pages import wizard_data
from booking_app.scheduling import slots


@pytest.mark.parametrize("module", [slots, money, tokens, timezones, formatting, wizard_data, terms, customer, text],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    assert result.attempted > 0 and result.failed == 0
