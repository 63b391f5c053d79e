"""The reward-settings form of the console: it parses what the operator typed (amounts in major
units, with the currency's decimals) into the values ``reward_settings_update`` saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rewards.models import RewardSettings
from rewards.money import as_decimal, exponent


class RewardSettingsForm(forms.Form):
    survey_reward = forms.DecimalField(label=gettext_lazy("Reward per survey"))
    receipts_required = forms.IntegerField(label=gettext_lazy("Approved receipts a month for the reward"), min_value=1,
                                           max_value=100)  # fmt: skip
    receipts_reward = forms.DecimalField(label=gettext_lazy("Reward for the monthly receipts (the monthly cap)"))
    ad_verification_monthly = forms.DecimalField(label=gettext_lazy("Ad verification, a month"))
    ad_verification_active_days = forms.IntegerField(label=gettext_lazy("Active days a month it needs"), min_value=1,
                                                     max_value=31)  # fmt: skip
    payout_threshold = forms.DecimalField(label=gettext_lazy("Payout threshold"))
    gift_card_value = forms.DecimalField(label=gettext_lazy("Gift-card value"))
    bonus_confirm_above = forms.DecimalField(label=gettext_lazy("Bonuses above this amount need a second confirmation"))
    mass_payment_enabled = forms.BooleanField(label=gettext_lazy("Pay to an email address"), required=False)
    gift_cards_enabled = forms.BooleanField(label=gettext_lazy("Pay in gift cards"), required=False)
    charity_enabled = forms.BooleanField(label=gettext_lazy("Donations to charities"), required=False)

    MONEY = (
        "survey_reward",
        "receipts_reward",
        "ad_verification_monthly",
        "payout_threshold",
        "gift_card_value",
        "bonus_confirm_above",
    )

    OPTIONAL = ("bonus_confirm_above",)  # left empty: unchanged

    def __init__(self, *args: object, currency: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.currency = currency
        for name in self.MONEY:  # amounts are typed in major units, with the currency's decimals
            label = self.fields[name].label
            self.fields[name] = forms.DecimalField(
                label=label,
                min_value=0,
                max_value=as_decimal(2**31 - 1, currency),  # the columns are 32-bit integers of minor units
                decimal_places=exponent(currency),
                required=name not in self.OPTIONAL,
            )

    def clean(self) -> dict:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("mass_payment_enabled", "gift_cards_enabled", "charity_enabled")):
            raise forms.ValidationError(_("Enable at least one way to pay panelists."))
        value = data.get("gift_card_value")
        if value is not None and value <= 0:
            self.add_error("gift_card_value", _("A gift card is worth more than zero."))
        return data

    @classmethod
    def initial_from(cls, rules: RewardSettings, currency: str) -> dict:
        initial = {name: getattr(rules, name) for name in cls.base_fields}
        for name in cls.MONEY:
            initial[name] = as_decimal(initial[name], currency)
        return initial

    def values(self) -> dict[str, int | bool]:
        """The cleaned settings as the model holds them: amounts in integer minor units."""
        return {
            name: int(value.scaleb(exponent(self.currency))) if name in self.MONEY else value
            for name, value in self.cleaned_data.items()
            if value is not None or name not in self.OPTIONAL
        }
