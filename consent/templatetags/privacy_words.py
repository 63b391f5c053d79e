"""How the privacy facts read to people: data categories by name, retention periods in years, months
or days, never as internal keys or raw day counts."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The data categories of the built-in purposes; an operator's own categories are shown as typed.
DATA_CATEGORY_NAMES = {
    "account": _("your account"),
    "profile": _("your profile"),
    "ledger": _("what you earn"),
    "survey_answers": _("your survey answers"),
    "receipt_images": _("your receipt photos"),
    "purchases": _("the purchases on your receipts"),
    "ad_events": _("the ads you see and click"),
    "devices": _("your enrolled devices"),
    "email": _("your email address"),
    "screening_answers": _("your answers to the screening questions"),
}


@register.filter
def data_category(key: str) -> str:
    return str(DATA_CATEGORY_NAMES.get(key, key.replace("_", " ")))


@register.filter
def data_categories(keys: list[str]) -> str:
    return ", ".join(data_category(key) for key in keys)


@register.filter
def retention(days: int | None) -> str:
    """A whole number of years (365 days each) or months (30 days each) reads as such; else days."""
    if days is None:
        return str(_("while you take part"))
    if days >= 365 and days % 365 == 0:
        return ngettext("%(n)d year", "%(n)d years", days // 365) % {"n": days // 365}
    if days >= 30 and days % 30 == 0:
        return ngettext("%(n)d month", "%(n)d months", days // 30) % {"n": days // 30}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


@register.filter
def named(purpose: object) -> str:
    """A purpose by its name in the page's language (an operator's own purpose: its English name)."""
    name_in = getattr(purpose, "name_in", None)
    return str(name_in(get_language() or "en")) if name_in is not None else str(purpose)
