from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from panel.selectors import panelist_counts
from tenants.console import OverviewCard
from tenants.models import Tenant
from tenants.roles import Perm


def panel_overview(tenant: Tenant) -> list[OverviewCard]:
    counts = panelist_counts(tenant=tenant)
    return [
        OverviewCard(_("Active panelists"), counts["active"], Perm.CONSOLE_VIEW),
        OverviewCard(_("Panel capacity"), tenant.panel_capacity, Perm.CONSOLE_VIEW),
    ]
