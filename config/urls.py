from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, livez
from panel import api as panel_api
from panel import views as panel_views
from tenants import api as tenants_api
from tenants import views as tenants_views

api_v1: list[URLPattern | URLResolver] = [
    path("tenant/", tenants_api.TenantDetailApi.as_view(), name="api_tenant"),
    path("members/", tenants_api.MembershipListApi.as_view(), name="api_members"),
    path("api-keys/", tenants_api.ApiKeyListApi.as_view(), name="api_api_keys"),
    path("api-keys/<int:pk>/", tenants_api.ApiKeyDetailApi.as_view(), name="api_api_key"),
    path("panelists/", panel_api.PanelistListApi.as_view(), name="api_panelists"),
    path("panelists/<slug:public_id>/", panel_api.PanelistDetailApi.as_view(), name="api_panelist"),
]

console: list[URLPattern | URLResolver] = [
    path("", tenants_views.console_home, name="console_home"),
    path("panelists/", panel_views.console_panelists, name="console_panelists"),
    path("team/", tenants_views.console_team, name="console_team"),
    path("api-keys/", tenants_views.console_api_keys, name="console_api_keys"),
    path("api-keys/<int:pk>/revoke/", tenants_views.console_api_key_revoke, name="console_api_key_revoke"),
]

tenant_pages: list[URLPattern | URLResolver] = [
    path("", tenants_views.tenant_home, name="tenant_home"),
    path("console/", include(console)),
]

urlpatterns = [
    path("", tenants_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("t/<slug:tenant_slug>/", include(tenant_pages)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
