"""The ad-verification card on the panelist's home (``panel.home.HOME_CARDS``): devices, and pairing."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from adverification.selectors import ad_program_get, device_active_count, panelist_month_progress
from panel.home import HomeCard, HomeLink
from panel.models import Panelist


def ad_home_card(panelist: Panelist, language: str) -> HomeCard | None:
    tenant = panelist.tenant
    program = ad_program_get(tenant=tenant)
    if program.pk is None or not program.ad_domains:
        return None  # the panel has no program: nothing to offer
    with translation.override(language):
        devices = device_active_count(panelist=panelist)
        slug = {"tenant_slug": tenant.slug}
        if devices:
            progress = panelist_month_progress(panelist=panelist)
            summary = ngettext(
                "%(count)s browser paired", "%(count)s browsers paired", devices
            ) % {"count": devices} + " · " + _("%(days)s of %(target)s active days this month") % {
                "days": progress.active_days, "target": progress.target,
            }  # fmt: skip
            links = [
                HomeLink(_("Your devices"), reverse("ad_devices", kwargs=slug)),
                HomeLink(_("What my browser sent"), reverse("ad_sent", kwargs=slug)),
            ]
        else:
            summary = _("Count the panel's ads you see in your browser, domains only, and earn each month.")
            links = [HomeLink(_("Pair a browser"), reverse("ad_devices", kwargs=slug))]
        return HomeCard(key="ad-verification", title=_("Ad verification"), summary=summary, links=links)
