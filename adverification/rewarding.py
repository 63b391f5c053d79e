"""The monthly participation reward, as a reward source of ``rewards``; its label in the wallet; and
what the wallet shows on its way (this month's active days against the target)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.utils import formats
from django.utils.translation import gettext as _

from adverification.selectors import active_days, device_active_count, panelist_month_progress
from core.errors import DomainError
from panel.models import Panelist
from rewards.money import money
from rewards.periods import period_parse
from rewards.selectors import reward_settings_get
from rewards.sources import PendingItem, RewardSource, SourceCredit
from tenants.models import Tenant

SOURCE_KEY = "adverification"


def month_credits(tenant: Tenant, first: date, following: date) -> Iterator[SourceCredit]:
    """Each panelist one of whose devices sent counts on at least the target's number of days of the
    month (the tenant's days), from the raw counts. ``rewards`` credits them once under consent."""
    settings = reward_settings_get(tenant=tenant)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tenant.tzinfo)
    end = datetime.combine(following, datetime.min.time(), tzinfo=tenant.tzinfo)
    for panelist_id, days in sorted(active_days(tenant=tenant, start=start, end=end).items()):
        if days >= settings.ad_verification_active_days:
            yield SourceCredit(panelist_id, settings.ad_verification_monthly, f"{SOURCE_KEY}:{first:%Y-%m}")


AD_MONTH_SOURCE = RewardSource(key=SOURCE_KEY, reason="ad_month", collect=month_credits, purpose="ad_verification")


def month_label(rest: str, tenant: Tenant) -> str:
    try:
        month = formats.date_format(period_parse(rest), "YEAR_MONTH_FORMAT")
    except DomainError:
        return _("Ad verification")
    return _("Ad verification, %(month)s") % {"month": month}


def month_pending(panelist: Panelist) -> list[PendingItem]:
    """The wallet's line for this month, once the panelist has a paired browser or an active day:
    the active days against the target. Its amount counts as pending only once the target is
    reached (the payout run then credits it); until then the label says what reaching it pays."""
    progress = panelist_month_progress(panelist=panelist)
    if not progress.active_days and not device_active_count(panelist=panelist):
        return []
    values = {"days": progress.active_days, "target": progress.target,
              "amount": money(progress.amount, panelist.tenant.currency)}  # fmt: skip
    if progress.active_days >= progress.target:
        label = _("Ad verification this month: %(days)s of %(target)s active days, target reached") % values
        return [PendingItem(label, progress.amount)]
    label = _("Ad verification this month: %(days)s of %(target)s active days (%(target)s days earn %(amount)s)")
    return [PendingItem(label % values, 0)]
