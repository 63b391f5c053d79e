"""How receipts shows itself in the apps below it: the card on the panelist's home, the line of the
wallet's pending earnings ("7 of 10 this month, 2 under review"), and the wallet's name for the
milestone's ledger source."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from panel.home import HomeCard, HomeLink
from panel.models import Panelist
from receipts.selectors import Progress, receipt_progress, receipts_consent_active
from rewards.money import money
from rewards.sources import PendingItem
from tenants.models import Tenant


def _progress_text(panelist: Panelist) -> tuple[str, int]:
    progress = receipt_progress(panelist=panelist)
    if progress.paid:  # every step reached: no "12 of 10"
        text = ngettext("%(n)s approved receipt this month", "%(n)s approved receipts this month",
                        progress.approved) % {"n": progress.approved}  # fmt: skip
    else:
        text = _("%(n)s of %(m)s approved receipts this month") % {"n": progress.approved, "m": progress.required}
    if progress.under_review:
        text += ", " + _("%(n)s under review") % {"n": progress.under_review}
    owed = 0 if progress.paid or progress.approved + progress.under_review < progress.required else progress.reward
    return text, owed


def _next_step(progress: Progress, tenant: Tenant) -> str:
    """What the next step of the month's milestone pays ("10.00 at 10", "5.00 more at 20"), or that
    every step is paid."""
    if progress.paid:
        return _("this month's reward is paid")
    values = {"reward": money(progress.reward, tenant.currency), "m": progress.required}
    return (_("%(reward)s more at %(m)s") if progress.paid_steps else _("%(reward)s at %(m)s")) % values


def receipts_pending(panelist: Panelist) -> list[PendingItem]:
    """The month's milestone while it is within reach of the receipts approved and under review."""
    progress = receipt_progress(panelist=panelist)
    if progress.paid or (progress.approved == 0 and progress.under_review == 0):
        return []
    text, owed = _progress_text(panelist)
    return [PendingItem(_("Receipts: %(progress)s") % {"progress": text}, owed)]


def receipts_home_card(panelist: Panelist, language: str) -> HomeCard | None:
    if not receipts_consent_active(panelist=panelist):
        return None
    tenant = panelist.tenant
    with translation.override(language):
        text, _owed = _progress_text(panelist)
        progress = receipt_progress(panelist=panelist)
        summary = text + " · " + _next_step(progress, tenant)
        return HomeCard(
            key="receipts",
            title=_("Receipts"),
            summary=summary,
            links=[HomeLink(_("Send a receipt"), reverse("receipts", kwargs={"tenant_slug": tenant.slug}))],
        )


def receipts_source_label(rest: str, tenant: Tenant) -> str:
    """``receipts:2026-10`` reads as "Receipts of October 2026"."""
    try:
        month = date.fromisoformat(rest + "-01")
    except ValueError:
        return _("Receipts")
    return _("Receipts of %(month)s") % {"month": formats.date_format(month, "YEAR_MONTH_FORMAT")}
