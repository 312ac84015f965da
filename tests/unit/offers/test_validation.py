"""The offer pages' pure checks: prices in minor units, Stripe's limits, windows, days."""

from __future__ import annotations

import doctest
from datetime import date, time

import pytest

from booking_app import money
from booking_app.errors import InvalidInput
from booking_app.offers import validation
from booking_app.offers.service import SessionTypeDraft
from booking_app.offers.validation import (
    clean_currency,
    clean_day,
    clean_profile,
    clean_session_type,
    clean_slug,
    clean_weekday,
    format_minute,
    numbered_slug,
    parse_minute,
    parse_price,
    parse_windows,
    slugify,
    whole_number,
)


def test_docstring_examples() -> None:
    result = doctest.testmod(validation)
    assert result.attempted > 0 and result.failed == 0


def refused(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        call(*args, **kwargs)
    return error.value


# --- prices --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("150", "gbp", 15000), ("150.00", "gbp", 15000), ("150.5", "usd", 15050), (".5", "eur", 50),
     ("0", "gbp", 0), ("0.00", "jpy", 0), ("-0", "gbp", 0), ("1500", "jpy", 1500), ("1500.000", "jpy", 1500),
     ("  99.99 ", "chf", 9999), ("+12", "sek", 1200), ("175", "huf", 17500)],
)
def test_prices_as_typed_become_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_price(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "words"),
    [("", "gbp", "or 0 for a free session"), (None, "gbp", "Enter a price"), ("   ", "gbp", "Enter a price"),
     ("-1", "gbp", "cannot be negative"), ("-0.01", "usd", "cannot be negative"),
     ("abc", "gbp", "plain number"), ("£150", "gbp", "currency sign"), ("1,500", "gbp", "thousands separators"),
     ("1 500", "gbp", "plain number"), ("1e3", "gbp", "plain number"), ("NaN", "gbp", "plain number"),
     ("Infinity", "usd", "plain number"), ("1" * 21, "gbp", "plain number"),
     ("150.001", "gbp", "GBP prices can have at most 2 decimal places"),
     ("1500.5", "jpy", "JPY has no minor unit; enter a whole amount"),
     ("0.001", "gbp", "at most 2 decimal places")],
)
def test_prices_that_are_not_amounts_are_refused(text, currency: str, words: str) -> None:
    error = refused(parse_price, text, currency)
    assert error.field == "price" and words in error.message


@pytest.mark.parametrize("currency", sorted(money.STRIPE_MINIMUM_CHARGE))
def test_every_currency_has_stripes_minimum_and_maximum(currency: str) -> None:
    least = money.minimum_charge(currency)
    assert least > 0
    assert parse_price(str(money.from_minor_units(least, currency)), currency) == least
    below = refused(parse_price, str(money.from_minor_units(least - 1, currency)), currency)
    assert "Stripe cannot take a payment under" in below.message and currency.upper() in below.message
    most = str(money.from_minor_units(money.STRIPE_MAXIMUM_CHARGE, currency))
    assert parse_price(most, currency) == 99_999_999
    above = refused(parse_price, str(money.from_minor_units(money.STRIPE_MAXIMUM_CHARGE + 1, currency)), currency)
    assert "Stripe cannot take more than" in above.message


@pytest.mark.parametrize(
    ("currency", "minor"),
    [("usd", 50), ("gbp", 30), ("eur", 50), ("jpy", 50), ("aud", 50), ("cad", 50), ("chf", 50), ("dkk", 250),
     ("hkd", 400), ("huf", 17500), ("mxn", 1000), ("nok", 300), ("sek", 300), ("czk", 1500), ("aed", 200),
     ("thb", 1000)],
)
def test_stripes_documented_minimums(currency: str, minor: int) -> None:
    assert money.minimum_charge(currency) == minor
    assert money.minimum_charge(currency.upper()) == minor


def test_minimum_and_maximum_messages_show_the_amount_in_the_currency() -> None:
    assert "under £0.30 in GBP" in refused(parse_price, "0.29", "gbp").message
    assert "under ¥50 in JPY" in refused(parse_price, "49", "jpy").message
    assert "more than £999,999.99" in refused(parse_price, "1000000", "gbp").message
    assert "more than ¥99,999,999" in refused(parse_price, "100000000", "jpy").message


def test_minimum_charge_refuses_currencies_without_a_known_minimum() -> None:
    with pytest.raises(ValueError, match="xyz"):
        money.minimum_charge("xyz")


@pytest.mark.parametrize(("given", "code"), [("GBP", "gbp"), (" jpy ", "jpy"), ("Eur", "eur")])
def test_currencies_are_stored_lower_case(given: str, code: str) -> None:
    assert clean_currency(given) == code


@pytest.mark.parametrize("given", ["xyz", "", None, "pounds", "£", "kwd", "usdd"])
def test_unknown_currencies_are_refused_with_the_list_of_known_ones(given) -> None:
    error = refused(clean_currency, given)
    assert error.field == "currency"
    assert "not supported" in error.message and "GBP" in error.message and "JPY" in error.message


# --- session type drafts --------------------------------------------------------------------------


def draft(**fields) -> SessionTypeDraft:
    values = dict(title="Review", duration_minutes=60, price="150", currency="gbp")
    values.update(fields)
    return SessionTypeDraft(**values)


def test_a_draft_is_cleaned_into_stored_units() -> None:
    clean = clean_session_type(draft(
        title=" Deep   dive ", slug=" Deep-Dive ", description=" About ", duration_minutes="90", price="1500",
        currency="JPY", interval_minutes="30", buffer_before_minutes="5", seats="3", horizon_days=365,
        cancel_cutoff_hours=720, minimum_notice_minutes=0,
    ))
    assert (clean.title, clean.slug, clean.description) == ("Deep dive", "deep-dive", "About")
    assert (clean.duration_minutes, clean.price_amount, clean.currency) == (90, 1500, "jpy")
    assert (clean.interval_minutes, clean.buffer_before_minutes, clean.seats) == (30, 5, 3)
    assert (clean.horizon_days, clean.cancel_cutoff_hours) == (365, 720)
    assert clean.refund_tiers == [{"hours_before": 24, "percent": 100}]  # the default
    assert clean_session_type(draft(interval_minutes="")).interval_minutes is None
    assert clean_session_type(draft(slug="")).slug is None
    edges = clean_session_type(draft(duration_minutes=720, interval_minutes=1, seats=100, horizon_days=1,
                                     minimum_notice_minutes=1439, cancel_cutoff_hours=0))
    assert (edges.duration_minutes, edges.seats, edges.minimum_notice_minutes) == (720, 100, 1439)


@pytest.mark.parametrize(
    ("fields", "field"),
    [(dict(title=""), "title"), (dict(duration_minutes=0), "duration_minutes"),
     (dict(duration_minutes=12 * 60 + 1), "duration_minutes"), (dict(duration_minutes=1.5), "duration_minutes"),
     (dict(duration_minutes=True), "duration_minutes"), (dict(interval_minutes=0), "interval_minutes"),
     (dict(interval_minutes=721), "interval_minutes"), (dict(buffer_before_minutes=-1), "buffer_before_minutes"),
     (dict(buffer_after_minutes="-1"), "buffer_after_minutes"), (dict(horizon_days=0), "horizon_days"),
     (dict(horizon_days=366), "horizon_days"), (dict(seats=0), "seats"), (dict(seats=101), "seats"),
     (dict(cancel_cutoff_hours=-1), "cancel_cutoff_hours"), (dict(cancel_cutoff_hours=721), "cancel_cutoff_hours"),
     (dict(refund_tiers=[{"hours_before": 1}]), "refund_tiers"), (dict(location_kind="moon"), "location_kind"),
     (dict(questions=[{"kind": "checkbox"}]), "questions"),
     (dict(minimum_notice_minutes=-5), "minimum_notice_minutes"),
     (dict(minimum_notice_minutes=1440, horizon_days=1), "minimum_notice_minutes"),
     (dict(currency="zzz"), "currency"), (dict(price="0.01"), "price"), (dict(slug="no spaces"), "slug"),
     (dict(description="d" * 5001), "description")],
)
def test_each_rule_names_its_field(fields: dict, field: str) -> None:
    assert refused(clean_session_type, draft(**fields)).field == field


def test_whole_numbers() -> None:
    assert whole_number("007", "seats", "seats") == 7
    assert whole_number(-3, "seats", "seats") == -3
    for bad in ("1.5", "", "ten", None, 2.0, True):
        assert "whole number" in refused(whole_number, bad, "seats", "the number of seats").message


def test_slugs() -> None:
    assert slugify("  Intro Call (30 min) ") == "intro-call-30-min"
    assert slugify("Ünïcödé Straße") == "unicode-strae"
    assert len(slugify("word " * 40)) <= 64 and not slugify("word " * 40).endswith("-")
    assert numbered_slug("a" * 63 + "-b", 3) == "a" * 62 + "-3"
    assert clean_slug(None) is None and clean_slug("  ") is None
    for bad in ("-x", "x-", "a_b", "a b", "x" * 65, "é"):
        assert refused(clean_slug, bad).field == "slug"


# --- windows --------------------------------------------------------------------------------------


def test_times_of_day() -> None:
    assert [parse_minute(v, is_end=False) for v in ("00:00", "9:05", "23:59", 0, 1439, time(8, 30))] == [
        0, 545, 1439, 0, 1439, 510]
    assert [parse_minute(v, is_end=True) for v in ("24:00", 1440, time(0, 0), "00:01")] == [1440, 1440, 1440, 1]
    assert format_minute(1439) == "23:59"
    for value, words in [("24:00", "start time 24:00 is outside the day"), ("24:01", "outside the day"),
                         ("25:00", "not a time of day"), ("12:60", "not a time of day"), ("noon", "HH:MM"),
                         ("0900", "HH:MM"), (-1, "outside the day"), (1441, "outside the day"), (9.5, "HH:MM"),
                         (time(9, 0, 30), "HH:MM"), (True, "HH:MM")]:
        error = refused(parse_minute, value, is_end=False)
        assert error.field == "windows" and words in error.message, value


def test_windows_are_sorted_and_may_touch() -> None:
    assert parse_windows([]) == [] and parse_windows(None) == []
    assert parse_windows([("12:00", "13:00"), ("09:00", "12:00"), ("13:00", "24:00")]) == [
        (540, 720), (720, 780), (780, 1440)]
    assert parse_windows([["00:00", "24:00"]]) == [(0, 1440)]


@pytest.mark.parametrize(
    ("windows", "message"),
    [([("17:00", "09:00")], "Ends before it starts: 17:00–09:00"),
     ([("22:00", "02:00")], "hours past midnight belong to the next day"),
     ([("10:00", "10:00")], "10:00–10:00 is empty"),
     ([("09:00", "12:00"), ("11:30", "14:00")], "09:00–12:00 overlaps 11:30–14:00"),
     ([("09:00", "17:00"), ("10:00", "11:00")], "09:00–17:00 overlaps 10:00–11:00"),
     ([("09:00", "10:00"), ("09:00", "10:00")], "09:00–10:00 overlaps 09:00–10:00"),
     ([("09:00", "10:00", "11:00")], "a start and an end"),
     (["09:00-10:00"], "a start and an end"),
     ([(m, m + 10) for m in range(0, 49 * 20, 20)], "at most 48 windows")],
)
def test_bad_windows_say_what_is_wrong(windows, message: str) -> None:
    error = refused(parse_windows, windows)
    assert error.field == "windows" and message in error.message


def test_weekdays() -> None:
    assert [clean_weekday(d) for d in range(7)] == list(range(7))
    for bad in (-1, 7, "1", None, True):
        assert refused(clean_weekday, bad).field == "weekday"


def test_override_days() -> None:
    today = date(2026, 12, 7)
    assert clean_day(today, today) == today
    assert clean_day("2026-12-24", today) == date(2026, 12, 24)
    assert clean_day(date(2027, 12, 8), today) == date(2027, 12, 8)  # 366 days ahead
    assert "already passed" in refused(clean_day, date(2026, 12, 6), today).message
    assert "within the next year" in refused(clean_day, date(2027, 12, 9), today).message
    assert "YYYY-MM-DD" in refused(clean_day, "24.12.2026", today).message
    assert refused(clean_day, 20261224, today).field == "day"


# --- profile --------------------------------------------------------------------------------------


def test_profiles() -> None:
    clean = clean_profile("  Ada \n Lovelace ", "  Engines  ", "  Bio  ")
    assert (clean.display_name, clean.headline, clean.bio) == ("Ada Lovelace", "Engines", "Bio")
    assert clean_profile("A" * 200, "h" * 200, "b" * 5000).display_name == "A" * 200
    assert refused(clean_profile, " ", "", "").field == "display_name"
    assert refused(clean_profile, "A" * 201, "", "").field == "display_name"
    assert refused(clean_profile, "Ada", "h" * 201, "").field == "headline"
    assert "5,000 characters" in refused(clean_profile, "Ada", "", "b" * 5001).message
