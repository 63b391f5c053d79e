"""The console's menu and overview, filled by each app from its ``AppConfig.ready()``.

tenants sits low in the import order, so it cannot know the sections of the apps above it. Each app
registers its sections (a key, a label, the permission that shows it, a URL name, and a place in the
menu) and its overview figures. A section without a URL is planned: it is listed, disabled, so that
each role sees the shape of its work, never a page that pretends. When the app that builds it
registers the real section, the planned one gives way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise

from core.registry import Registry
from tenants.roles import Perm, role_has_perm

if TYPE_CHECKING:
    from tenants.models import Tenant


@dataclass(frozen=True)
class ConsoleSection:
    key: str
    label: str | Promise
    perm: Perm
    url_name: str | None = None  # None: planned, shown disabled
    order: int = 100  # place in the menu, lowest first


NAV: Registry[ConsoleSection] = Registry("console sections", key=attrgetter("key"))


def register_console_section(section: ConsoleSection) -> ConsoleSection:
    existing = NAV.get(section.key) if section.key in NAV else None
    if existing is not None and existing.url_name is None and section.url_name is not None:
        NAV.unregister(section.key)  # the app that builds a planned section has arrived
    elif existing is not None and section.url_name is None:
        return existing  # a plan never hides what is built
    return NAV.register(section)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str | Promise
    url: str | None
    active: bool


def nav_for(*, role: str, tenant_slug: str, current: str) -> list[NavLink]:
    return [
        NavLink(
            section.key,
            section.label,
            reverse(section.url_name, kwargs={"tenant_slug": tenant_slug}) if section.url_name else None,
            section.key == current,
        )
        for section in sorted(NAV, key=attrgetter("order"))
        if role_has_perm(role, section.perm)
    ]


@dataclass(frozen=True)
class OverviewCard:
    label: str | Promise
    value: int
    perm: Perm


OverviewSource = Callable[["Tenant"], list[OverviewCard]]
OVERVIEW_SOURCES: Registry[OverviewSource] = Registry("console overview sources")


def overview_cards(*, tenant: Tenant, role: str) -> list[OverviewCard]:
    return [card for source in OVERVIEW_SOURCES for card in source(tenant) if role_has_perm(role, card.perm)]


@dataclass(frozen=True)
class ChecklistStep:
    """One step of a new panel's first run, as the console overview shows it until every step is done."""

    order: int
    label: str | Promise
    done: bool
    url_name: str  # the console page where it is done
    perm: Perm


ChecklistSource = Callable[["Tenant"], list[ChecklistStep]]
CHECKLIST_SOURCES: Registry[ChecklistSource] = Registry("first-run checklist sources")


def checklist_steps(*, tenant: Tenant) -> list[ChecklistStep]:
    """Every app's first-run steps, in order; the overview hides the list once all are done."""
    return sorted((step for source in CHECKLIST_SOURCES for step in source(tenant)), key=attrgetter("order"))
