from __future__ import annotations

from django import template

from rewards.money import money as format_money

register = template.Library()


@register.filter
def money(minor: int, currency: str) -> str:
    """``{{ amount|money:tenant.currency }}``: integer minor units, formatted for the language."""
    return format_money(int(minor), currency)
