"""Cards on the panelist's home page, filled by the apps above panel (surveys, later receipts and ad
verification) from their ``AppConfig.ready()``, so that panel never imports them.

A card provider takes the panelist and the page's language and returns a card, or None when it has
nothing to show. Cards keep registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

from core.registry import Registry
from panel.models import Panelist


@dataclass(frozen=True)
class HomeLink:
    text: str | Promise
    url: str
    note: str | Promise = ""


@dataclass(frozen=True)
class HomeCard:
    key: str  # data-testid="home-card-<key>"
    title: str | Promise
    summary: str | Promise = ""
    links: list[HomeLink] = field(default_factory=list)
    empty: str | Promise = ""  # shown when there are no links


HomeCardProvider = Callable[[Panelist, str], HomeCard | None]
HOME_CARDS: Registry[HomeCardProvider] = Registry("home cards")


def home_cards_for(*, panelist: Panelist, language: str) -> list[HomeCard]:
    return [card for provider in HOME_CARDS if (card := provider(panelist, language)) is not None]
