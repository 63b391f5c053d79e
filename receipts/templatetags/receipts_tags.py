"""Template filters of the receipts pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

from rewards.money import as_decimal, exponent

register = template.Library()


@register.filter
def money_input(minor: int, currency: str) -> str:
    """An amount as a person types it back into a form in the current language ("12.50", "12,50")."""
    return number_format(as_decimal(minor, currency), decimal_pos=exponent(currency))
