"""Money as integer minor units plus an ISO 4217 currency; the one place that knows how many
decimals a currency has in Stripe's API (zero-decimal currencies such as JPY are sent as-is).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

# Stripe's "Minimum and maximum charge amounts" (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
# in major units. Stripe applies the minimum in the account's settlement currency; a charge in
# one of these currencies that meets its own minimum is accepted when settled in that currency.
# These are the currencies a builder can price sessions in (see ``minimum_charge``).
STRIPE_MINIMUM_CHARGE = {
    "usd": "0.50", "aed": "2.00", "aud": "0.50", "bgn": "1.00", "brl": "0.50", "cad": "0.50",
    "chf": "0.50", "czk": "15.00", "dkk": "2.50", "eur": "0.50", "gbp": "0.30", "hkd": "4.00",
    "huf": "175.00", "inr": "0.50", "jpy": "50", "mxn": "10", "myr": "2", "nok": "3.00",
    "nzd": "0.50", "pln": "2.00", "ron": "2.00", "sek": "3.00", "sgd": "0.50", "thb": "10",
}
# Same page: "The amount value supports up to eight digits" — in minor units, any currency.
STRIPE_MAXIMUM_CHARGE = 99_999_999


def normalise_currency(currency: str) -> str:
    """Lower-case ISO code as Stripe uses it; ``ValueError`` if it is not three letters.

    >>> normalise_currency("GBP")
    'gbp'
    """
    code = currency.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"currency must be a three-letter ISO 4217 code, got {currency!r}")
    return code


def decimals(currency: str) -> int:
    """Digits after the decimal point in Stripe amounts for ``currency``.

    >>> decimals("gbp"), decimals("JPY"), decimals("kwd")
    (2, 0, 3)
    """
    code = normalise_currency(currency)
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def to_minor_units(amount: Decimal | str | int, currency: str) -> int:
    """``Decimal("150.00")`` GBP → 15000; refuses amounts finer than the currency allows.

    >>> to_minor_units("150.00", "gbp"), to_minor_units("1500", "jpy")
    (15000, 1500)
    """
    value = Decimal(str(amount))
    scaled = value.scaleb(decimals(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency.upper()} allows")
    return int(scaled)


def from_minor_units(amount: int, currency: str) -> Decimal:
    """15000 GBP → ``Decimal('150.00')``.

    >>> from_minor_units(15000, "gbp"), from_minor_units(1500, "jpy")
    (Decimal('150.00'), Decimal('1500'))
    """
    places = decimals(currency)
    return Decimal(amount).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_money(amount: int, currency: str, *, locale: str = "en", zero: str | None = "Free") -> str:
    """Display form of a minor-unit amount; ``zero`` ("Free") for a price of nothing, or the
    formatted amount when ``zero`` is None (totals, refunds).

    >>> format_money(15000, "gbp"), format_money(1500, "jpy"), format_money(0, "gbp"), format_money(0, "gbp", zero=None)
    ('£150.00', '¥1,500', 'Free', '£0.00')
    """
    if amount == 0 and zero is not None:
        return zero
    return format_currency(from_minor_units(amount, currency), currency.upper(), locale=locale)


def minimum_charge(currency: str) -> int:
    """Stripe's smallest charge in ``currency``, in minor units; ``ValueError`` for a currency
    without a documented minimum (one sessions cannot be priced in).

    >>> minimum_charge("GBP"), minimum_charge("usd"), minimum_charge("jpy"), minimum_charge("huf")
    (30, 50, 50, 17500)
    """
    code = normalise_currency(currency)
    if code not in STRIPE_MINIMUM_CHARGE:
        raise ValueError(f"no Stripe minimum charge is known for {currency!r}")
    return to_minor_units(STRIPE_MINIMUM_CHARGE[code], code)
