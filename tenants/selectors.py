from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import NotFound
from tenants.console import ChecklistStep
from tenants.models import ApiKey, Membership, Tenant
from tenants.roles import Perm, Role


def tenant_get_active(*, slug: str) -> Tenant:
    return get_object_or_404(Tenant, slug=slug, is_active=True)


def membership_get(*, tenant: Tenant, user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.for_tenant(tenant).filter(user=user).first()


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("role", "user__email")


def membership_counts_by_role(*, tenant: Tenant) -> list[tuple[str, int]]:
    """How many staff hold each role, in the roles' own order (zero included)."""
    counts = dict(membership_list(tenant=tenant).values_list("role").annotate(n=Count("id")).order_by())
    return [(str(role.label), counts.get(role.value, 0)) for role in Role]


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    # across tenants: one person's staff roles in every panel
    memberships = Membership.objects.unscoped().filter(user=user, tenant__is_active=True)
    return memberships.select_related("tenant").order_by("tenant__name")


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_tenant(tenant).select_related("created_by").order_by("-created_at", "-id")


def api_key_get(*, tenant: Tenant, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey.objects.for_tenant(tenant), pk=pk)


def tenant_list_or_one(*, slug: str | None) -> QuerySet[Tenant]:
    """Every tenant, or the one named: what a command run ``[--tenant SLUG]`` works on."""
    tenants = Tenant.objects.order_by("slug")
    if slug:
        tenants = tenants.filter(slug=slug)
        if not tenants.exists():
            raise NotFound(f"No tenant '{slug}'.", code="unknown_tenant")
    return tenants


def tenants_checklist(tenant: Tenant) -> list[ChecklistStep]:
    """tenants' first-run step: someone besides the owner on the team."""
    has_team = Membership.objects.for_tenant(tenant).count() > 1
    return [ChecklistStep(30, _("Add your staff"), has_team, "console_team", Perm.TEAM_VIEW)]
