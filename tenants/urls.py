"""tenants' URLs: the console's overview, team and API keys, and the tenant and key APIs."""

from django.urls import URLPattern, URLResolver, path

from tenants import api, views

pages: list[URLPattern | URLResolver] = []

console: list[URLPattern | URLResolver] = [
    path("", views.console_home, name="console_home"),
    path("team/", views.console_team, name="console_team"),
    path("team/add/", views.console_staff_add, name="console_staff_add"),
    path("team/<int:pk>/remove/", views.console_staff_remove, name="console_staff_remove"),
    path("api-keys/", views.console_api_keys, name="console_api_keys"),
    path("api-keys/<int:pk>/revoke/", views.console_api_key_revoke, name="console_api_key_revoke"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("tenant/", api.TenantDetailApi.as_view(), name="api_tenant"),
    path("members/", api.MembershipListApi.as_view(), name="api_members"),
    path("api-keys/", api.ApiKeyListApi.as_view(), name="api_api_keys"),
    path("api-keys/<int:pk>/", api.ApiKeyDetailApi.as_view(), name="api_api_key"),
]
