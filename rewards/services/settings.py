"""Saving a tenant's reward settings: what each program pays, the payout threshold, the gift-card
value, and the providers offered."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from rewards.models import Payout, RewardSettings
from rewards.selectors import reward_settings_get
from tenants.models import Tenant

EDITABLE = (
    "survey_reward",
    "receipts_required",
    "receipts_reward",
    "ad_verification_monthly",
    "ad_verification_active_days",
    "payout_threshold",
    "gift_card_value",
    "bonus_confirm_above",
    "mass_payment_enabled",
    "gift_cards_enabled",
    "charity_enabled",
)


@transaction.atomic
def reward_settings_update(*, tenant: Tenant, values: Mapping[str, int | bool]) -> RewardSettings:
    """Save the settings named in ``values`` (amounts in minor units of the tenant's currency).

    The gift-card value stays while gift-card payouts wait for codes: they were cut to whole codes
    of the current value, so a code of another value would not pay them."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise DomainError(f"Not a reward setting: {', '.join(unknown)}.")
    reward_settings_get(tenant=tenant)  # the row exists before it is locked
    rules = RewardSettings.objects.select_for_update().get(tenant=tenant)
    value = values.get("gift_card_value", rules.gift_card_value)
    waiting = Payout.objects.for_tenant(tenant).filter(status=Payout.Status.WAITING_STOCK)
    if value != rules.gift_card_value and waiting.exists():
        message = _("Payouts are waiting for codes of the current value: import those first.")
        raise DomainError(message, fields={"gift_card_value": [message]})
    for name, new in values.items():
        setattr(rules, name, new)
    rules.confirmed_at = rules.confirmed_at or timezone.now()
    rules.save(update_fields=[*values, "confirmed_at"])
    return rules
