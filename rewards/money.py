"""Money as text: integer minor units of a currency shown, written to files and parsed back, never
through a float.

A currency's exponent (how many decimals its minor unit has) is the ISO 4217 minor unit as the Unicode
CLDR publishes it, through Babel: EUR 2, JPY and XOF 0, KWD and TND 3. CLDR follows ISO 4217 except
where a minor unit is not used in practice (HUF, IDR, COP, IQD... are whole units there), which is
what a payment can actually carry. Amounts are stored, posted and paid in these minor units.
"""

from __future__ import annotations

from decimal import Decimal, DecimalException

import pycountry
from babel.numbers import get_currency_precision
from django.utils.formats import number_format

MAX_MINOR = 2**63 - 1  # amounts are stored as bigint


def exponent(currency: str) -> int:
    """The number of decimals of ``currency``'s minor unit (ISO 4217, as CLDR has it): 2, 0 or 3."""
    return int(get_currency_precision(currency))


def as_decimal(minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal of the currency's major unit (never a float)."""
    return Decimal(minor).scaleb(-exponent(currency))


def decimal_text(minor: int, currency: str) -> str:
    """Minor units as plain text of the major unit with the currency's decimals ("15.50"), for files."""
    return f"{as_decimal(minor, currency):.{exponent(currency)}f}"


def money(minor: int, currency: str) -> str:
    """Minor units as the tenant's currency, formatted for the current language (no floats)."""
    code = pycountry.currencies.get(alpha_3=currency)
    amount = number_format(as_decimal(minor, currency), decimal_pos=exponent(currency), force_grouping=True)
    return f"{amount} {code.alpha_3 if code else currency}"


def parse_money(text: str, currency: str) -> int:
    """A decimal amount in major units ("10.50", "-2") as integer minor units; ValueError otherwise."""
    try:
        value = Decimal(text.strip().replace(",", "."))
        minor = value.scaleb(exponent(currency))  # sNaN or a huge exponent raise here, too
    except DecimalException:
        raise ValueError(f"'{text[:40]}' is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"'{text[:40]}' is not an amount")
    if minor != minor.to_integral_value():
        raise ValueError(f"'{text[:40]}' has more decimals than {currency} allows")
    if abs(minor) > MAX_MINOR:
        raise ValueError(f"'{text[:40]}' is too large an amount")
    return int(minor)
