"""Money as text: integer minor units of a currency shown, written to files and parsed back, never
through a float.

A currency's exponent (how many decimals its minor unit has) is the ISO 4217 minor unit as the Unicode
CLDR publishes it, through Babel: EUR 2, JPY and XOF 0, KWD and TND 3. CLDR follows ISO 4217 except
where a minor unit is not used in practice (HUF, IDR, COP, IQD... are whole units there), which is
what a payment can actually carry. Amounts are stored, posted and paid in these minor units.
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

import pycountry
from babel.numbers import NumberFormatError, get_currency_precision, get_group_symbol, parse_decimal
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_MINOR = 2**63 - 1  # amounts are stored as bigint
# The most one posting typed by a person may move, in minor units: far above any bonus, and far below
# what would overflow a balance (a bigint) however many such postings there are.
MAX_TYPED_MINOR = 10**12
_FILE_AMOUNT = re.compile(r"[-+]?[0-9]+(?:[.,][0-9]+)?")


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
    """An amount in a file, in major units ("10.50", "10,50", "-2"), as integer minor units; ValueError
    otherwise. No grouping and no exponent: a file's "1e9" or "1,000.00" is refused, never guessed."""
    if not _FILE_AMOUNT.fullmatch(text.strip()):
        raise ValueError(_("'%(text)s' is not an amount") % {"text": text[:40]})
    try:
        value = Decimal(text.strip().replace(",", "."))
        minor = value.scaleb(exponent(currency))  # sNaN or a huge exponent raise here, too
    except DecimalException:
        raise ValueError(_("'%(text)s' is not an amount") % {"text": text[:40]}) from None
    if not value.is_finite():
        raise ValueError(_("'%(text)s' is not an amount") % {"text": text[:40]})
    if minor != minor.to_integral_value():
        raise ValueError(
            _("'%(text)s' has more decimals than %(currency)s allows") % {"text": text[:40], "currency": currency}
        )
    if abs(minor) > MAX_MINOR:
        raise ValueError(_("'%(text)s' is too large an amount") % {"text": text[:40]})
    return int(minor)


def parse_money_typed(text: str, currency: str, language: str) -> int:
    """An amount as a person types it in their language, in major units, as integer minor units.

    Grouping and decimal marks follow the language's rules (Babel, strict): in English "1,000" is one
    thousand and "1.50" one and a half; in French "1 000,50". No exponent ("1e9"), and at most
    ``MAX_TYPED_MINOR``. Raises ValueError with a reason a person can act on.
    """
    typed = text.strip()
    group = get_group_symbol(language)
    if group.isspace():  # French groups with a narrow no-break space; people type any space
        typed = re.sub(r"\s", group, typed)
    if not typed or re.search(r"[^0-9.,\s\u202f\u00a0'+-]", typed):
        raise ValueError(_("'%(text)s' is not an amount.") % {"text": text[:40]})
    try:
        value = parse_decimal(typed, locale=language, strict=True)
    except NumberFormatError as exc:
        reason = _("'%(text)s' is not an amount.") % {"text": text[:40]}
        if exc.suggestions:
            reason += " " + _("Did you mean %(amount)s?") % {"amount": " / ".join(exc.suggestions)}
        raise ValueError(reason) from None
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(
            _("%(currency)s has %(n)s decimals at most.") % {"currency": currency, "n": exponent(currency)}
        )
    if abs(minor) > MAX_TYPED_MINOR:
        raise ValueError(
            _("That is more than one posting may move (%(max)s).") % {"max": money(MAX_TYPED_MINOR, currency)}
        )
    return int(minor)
