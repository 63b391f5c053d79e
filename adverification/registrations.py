"""Everything adverification registers with the apps below it, from ``AppConfig.ready()``."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def register_everything() -> None:
    from adverification.demo import demo_ads_seed
    from adverification.home import ad_home_card
    from adverification.rewarding import AD_MONTH_SOURCE, month_label, month_pending
    from adverification.selectors import ad_overview_cards
    from adverification.signals import revoke_devices_on_withdrawal
    from consent.models import ConsentEvent
    from panel.demo import DEMO_SEEDERS
    from panel.home import HOME_CARDS
    from rewards.sources import PENDING_PROVIDERS, SOURCE_LABELS, SourceLabel, register_reward_source
    from tenants.console import OVERVIEW_SOURCES, ConsoleSection, register_console_section
    from tenants.roles import Perm

    post_save.connect(revoke_devices_on_withdrawal, sender=ConsentEvent, dispatch_uid="adverification.withdrawal")
    register_reward_source(AD_MONTH_SOURCE)
    PENDING_PROVIDERS.register(month_pending)
    # "ad-verification:" is how the demo's older postings name the same program.
    for prefix in ("adverification", "ad-verification"):
        SOURCE_LABELS.register(SourceLabel(prefix, month_label))
    HOME_CARDS.register(ad_home_card)
    DEMO_SEEDERS.register(demo_ads_seed)
    OVERVIEW_SOURCES.register(ad_overview_cards)
    for section in [
        ConsoleSection("ad_program", _("Ad verification"), Perm.AD_PROGRAM_MANAGE, "console_ad_program", order=75),
        ConsoleSection("ad_reports", _("Ad reports"), Perm.AD_REPORTS_VIEW, "console_ad_reports", order=76),
    ]:
        register_console_section(section)
