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


def format_money(amount: int, currency: str, *, locale: str = "en") -> str:
    """Display form of a minor-unit amount; "Free" for zero.

    >>> format_money(15000, "gbp"), format_money(1500, "jpy"), format_money(0, "gbp")
    ('£150.00', '¥1,500', 'Free')
    """
    if amount == 0:
        return "Free"
    return format_currency(from_minor_units(amount, currency), currency.upper(), locale=locale)
