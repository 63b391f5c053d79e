from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.models import ApiKey, Membership, Tenant, TenantQuerySet


class AllTenantsAdmin(admin.ModelAdmin):
    """The Django admin is the platform admins' view across every tenant, so it reads unscoped."""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if isinstance(queryset, TenantQuerySet):
            queryset = queryset.unscoped()  # across tenants: the platform admins' view
        return queryset


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "country", "currency", "timezone", "panel_capacity", "is_active")
    search_fields = ("slug", "name")
    list_filter = ("is_active", "country")
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(AllTenantsAdmin):
    list_display = ("name", "tenant", "prefix", "role", "created_at", "last_used_at", "revoked_at")
    list_filter = ("tenant", "role")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False  # keys are issued in the console, where the secret is shown once
