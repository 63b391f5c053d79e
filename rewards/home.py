"""The wallet's card on the panelist's home (``panel.home.HOME_CARDS``): the balance, what is on its
way, and when the next payout comes."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from panel.home import HomeCard, HomeLink
from panel.models import Panelist
from rewards.money import money
from rewards.periods import month_start_local, next_month
from rewards.selectors import panelist_balance, pending_amounts, reward_settings_get


def wallet_home_card(panelist: Panelist, language: str) -> HomeCard:
    tenant = panelist.tenant
    with translation.override(language):
        balance = panelist_balance(panelist=panelist)
        pending = sum(item.amount for item in pending_amounts(panelist=panelist))
        threshold = reward_settings_get(tenant=tenant).payout_threshold
        payday = formats.date_format(next_month(month_start_local(tenant)), "DATE_FORMAT")
        parts = [_("Balance: %(amount)s") % {"amount": money(balance, tenant.currency)}]
        if pending:
            parts.append(_("on its way: %(amount)s") % {"amount": money(pending, tenant.currency)})
        if balance >= threshold:
            parts.append(_("next payout on %(date)s") % {"date": payday})
        else:
            parts.append(
                _("paid on the 1st of a month once it reaches %(amount)s")
                % {"amount": money(threshold, tenant.currency)}
            )
        return HomeCard(
            key="wallet",
            title=_("Your wallet"),
            summary=" · ".join(parts),
            links=[HomeLink(_("Open your wallet"), reverse("wallet", kwargs={"tenant_slug": tenant.slug}))],
        )
