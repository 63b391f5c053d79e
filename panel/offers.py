"""What each program pays, as the landing page shows it, without panel importing rewards.

rewards/ (higher in the import order) registers a provider in ``AppConfig.ready()``: for a tenant and
a language, it returns a short text per purpose key ("0.50 per survey").
"""

from __future__ import annotations

from collections.abc import Callable

from core.registry import Registry
from tenants.models import Tenant

OfferProvider = Callable[[Tenant, str], dict[str, str]]
OFFER_PROVIDERS: Registry[OfferProvider] = Registry("offer providers")


def offers_for(*, tenant: Tenant, language: str) -> dict[str, str]:
    offers: dict[str, str] = {}
    for provider in OFFER_PROVIDERS:
        offers |= provider(tenant, language)
    return offers
