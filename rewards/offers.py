"""What each program pays, in words, for the landing page: registered with ``panel.offers``."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from rewards.money import money
from rewards.selectors import reward_settings_get
from tenants.models import Tenant


def program_offers(tenant: Tenant, language: str) -> dict[str, str]:
    """What each program pays, for the landing page; nothing until the operator has set the rates."""
    s = reward_settings_get(tenant=tenant)
    if s.confirmed_at is None:
        return {}
    c = tenant.currency
    with translation.override(language):
        return {
            "surveys": _("%(amount)s per survey completed") % {"amount": money(s.survey_reward, c)},
            "receipts": _("%(amount)s for %(n)s approved receipts in a calendar month")
            % {"amount": money(s.receipts_reward, c), "n": s.receipts_required},
            "ad_verification": _("%(amount)s a month when your device is active %(days)s days")
            % {"amount": money(s.ad_verification_monthly, c), "days": s.ad_verification_active_days},
        }
