from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as accounts_urls
from adverification import urls as adverification_urls
from config.health import healthz, livez
from consent import urls as consent_urls
from panel import urls as panel_urls
from panel.views import public as panel_public
from receipts import urls as receipts_urls
from rewards import urls as rewards_urls
from surveys import urls as surveys_urls
from tenants import urls as tenants_urls

# Each app declares its own URLs (its urls.py): ``pages`` under /t/<slug>/, ``console`` under
# /t/<slug>/console/, and ``api_v1`` under /api/v1/. URL names are global and start with the app's
# area (``console_*``, ``api_*``), so that templates and tests reverse them without namespaces.
APPS = [tenants_urls, consent_urls, panel_urls, rewards_urls, surveys_urls, receipts_urls, adverification_urls]

tenant_pages: list[URLPattern | URLResolver] = [
    *(pattern for app in APPS for pattern in app.pages),
    path("console/", include([pattern for app in APPS for pattern in app.console])),
]

urlpatterns = [
    path("", panel_public.site_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("t/<slug:tenant_slug>/", include(tenant_pages)),
    # accounts' own steps first: its TOTP activation shadows allauth's (same path) to ask for the emailed code.
    path("accounts/", include(accounts_urls.urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include([pattern for app in APPS for pattern in app.api_v1])),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.forbidden"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
