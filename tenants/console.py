"""The console's navigation, as data: each section names the permission that shows it.

A section without a URL is part of the console's plan that a later part of Fairpanel fills; it is
listed (so each role sees the shape of its work) but disabled, never a page that pretends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tenants.roles import Perm, role_has_perm

if TYPE_CHECKING:
    from tenants.models import Tenant


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    perm: Perm
    url_name: str | None = None


NAV: list[NavItem] = [
    NavItem("overview", _("Overview"), Perm.CONSOLE_VIEW, "console_home"),
    NavItem("panelists", _("Panelists"), Perm.PANELISTS_VIEW, "console_panelists"),
    NavItem("waitlist", _("Waitlist"), Perm.WAITLIST_MANAGE, "console_waitlist"),
    NavItem("invitations", _("Invitations"), Perm.INVITATIONS_MANAGE, "console_invitations"),
    NavItem("purposes", _("Purposes"), Perm.PURPOSES_MANAGE, "console_purposes"),
    NavItem("consent", _("Consent"), Perm.CONSENT_AUDIT, "console_consent"),
    NavItem("surveys", _("Surveys"), Perm.SURVEYS_MANAGE),
    NavItem("receipts", _("Receipts"), Perm.RECEIPTS_REVIEW),
    NavItem("payouts", _("Payouts"), Perm.PAYOUTS_MANAGE, "console_payouts"),
    NavItem("rewards", _("Rewards"), Perm.PAYOUTS_MANAGE, "console_rewards"),
    NavItem("reports", _("Reports"), Perm.REPORTS_VIEW),
    NavItem("team", _("Team"), Perm.TEAM_VIEW, "console_team"),
    NavItem("api_keys", _("API keys"), Perm.APIKEYS_MANAGE, "console_api_keys"),
]


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str | Promise
    url: str | None
    active: bool


def nav_for(*, role: str, tenant_slug: str, current: str) -> list[NavLink]:
    return [
        NavLink(
            item.key,
            item.label,
            reverse(item.url_name, kwargs={"tenant_slug": tenant_slug}) if item.url_name else None,
            item.key == current,
        )
        for item in NAV
        if role_has_perm(role, item.perm)
    ]


@dataclass(frozen=True)
class OverviewCard:
    label: str | Promise
    value: int
    perm: Perm


OverviewSource = Callable[["Tenant"], list[OverviewCard]]
_overview_sources: list[OverviewSource] = []


def register_overview_source(source: OverviewSource) -> OverviewSource:
    """Higher apps add figures to the console overview from ``AppConfig.ready()``.

    tenants never imports them (imports run one way); they come to it.
    """
    if source not in _overview_sources:
        _overview_sources.append(source)
    return source


def overview_cards(*, tenant: Tenant, role: str) -> list[OverviewCard]:
    return [card for source in _overview_sources for card in source(tenant) if role_has_perm(role, card.perm)]
