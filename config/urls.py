from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, livez
from consent import api as consent_api
from consent import audit_views, privacy_views, purpose_views
from consent import views as consent_views
from panel import api as panel_api
from panel import console_views as panel_console
from panel import onboarding_views, public_views, waitlist_console
from panel import views as panel_views
from rewards import api as rewards_api
from rewards import console as rewards_console
from rewards import views as rewards_views
from tenants import api as tenants_api
from tenants import views as tenants_views

api_v1: list[URLPattern | URLResolver] = [
    path("tenant/", tenants_api.TenantDetailApi.as_view(), name="api_tenant"),
    path("members/", tenants_api.MembershipListApi.as_view(), name="api_members"),
    path("api-keys/", tenants_api.ApiKeyListApi.as_view(), name="api_api_keys"),
    path("api-keys/<int:pk>/", tenants_api.ApiKeyDetailApi.as_view(), name="api_api_key"),
    path("panelists/", panel_api.PanelistListApi.as_view(), name="api_panelists"),
    path("panelists/<slug:public_id>/", panel_api.PanelistDetailApi.as_view(), name="api_panelist"),
    path("consent/events/", consent_api.ConsentEventListApi.as_view(), name="api_consent_events"),
    path("consent/export/", consent_api.ConsentExportApi.as_view(), name="api_consent_export"),
    path("consent/verify/", consent_api.ConsentVerifyApi.as_view(), name="api_consent_verify"),
    path("consent/documents/", consent_api.ConsentDocumentListApi.as_view(), name="api_consent_documents"),
    path("consent/record/", consent_api.ProcessingRecordApi.as_view(), name="api_consent_record"),
    path("consent/purges/", consent_api.PurgeLogListApi.as_view(), name="api_consent_purges"),
    path("me/consents/", consent_api.MyConsentsApi.as_view(), name="api_my_consents"),
    path("me/exports/", consent_api.MyDataExportsApi.as_view(), name="api_my_exports"),
    path("me/wallet/", rewards_api.WalletApi.as_view(), name="api_my_wallet"),
    path("me/wallet/history/", rewards_api.WalletHistoryApi.as_view(), name="api_my_wallet_history"),
    path("me/wallet/payout-method/", rewards_api.PayoutMethodApi.as_view(), name="api_my_payout_method"),
    path("payouts/runs/", rewards_api.PayoutRunListApi.as_view(), name="api_payout_runs"),
]

console: list[URLPattern | URLResolver] = [
    path("", tenants_views.console_home, name="console_home"),
    path("panelists/", panel_views.console_panelists, name="console_panelists"),
    path("invitations/", panel_console.console_invitations, name="console_invitations"),
    path("waitlist/", waitlist_console.console_waitlist, name="console_waitlist"),
    path(
        "waitlist/releases/<int:pk>/progress/",
        waitlist_console.console_release_progress,
        name="console_release_progress",
    ),
    re_path(
        r"^invitations/(?P<pk>[0-9]+)/(?P<action>revoke|resend)/$",
        panel_console.console_invitation_action,
        name="console_invitation_action",
    ),
    path("payouts/", rewards_console.console_payouts, name="console_payouts"),
    path("payouts/runs/<int:pk>/", rewards_console.console_payout_run, name="console_payout_run"),
    path(
        "payouts/runs/<int:pk>/progress/",
        rewards_console.console_payout_run_progress,
        name="console_payout_run_progress",
    ),
    path("payouts/providers/", rewards_console.console_payout_providers, name="console_payout_providers"),
    path("payouts/batches/<int:pk>.csv", rewards_console.console_mass_payment_csv, name="console_mass_payment_csv"),
    path(
        "payouts/batches/<int:pk>/settle/",
        rewards_console.console_mass_payment_settle,
        name="console_mass_payment_settle",
    ),
    path("rewards/", rewards_console.console_rewards, name="console_rewards"),
    path("team/", tenants_views.console_team, name="console_team"),
    path("api-keys/", tenants_views.console_api_keys, name="console_api_keys"),
    path("api-keys/<int:pk>/revoke/", tenants_views.console_api_key_revoke, name="console_api_key_revoke"),
    path("purposes/", purpose_views.console_purposes, name="console_purposes"),
    path(
        "purposes/<slug:purpose_key>/publish/",
        purpose_views.console_document_publish,
        name="console_document_publish",
    ),
    path("retention/", purpose_views.console_retention_set, name="console_retention_set"),
    path("consent/", audit_views.console_consent, name="console_consent"),
    path("consent/verify/", audit_views.console_consent_verify, name="console_consent_verify"),
    re_path(r"^consent/export\.(?P<fmt>csv|json)$", audit_views.console_consent_export, name="console_consent_export"),
    path("consent/record/", audit_views.console_processing_record, name="console_processing_record"),
    path("consent/purges/", audit_views.console_purge_log, name="console_purge_log"),
]

consent_pages: list[URLPattern | URLResolver] = [
    path("", consent_views.my_consents, name="my_consents"),
    path("<slug:purpose_key>/change/", consent_views.consent_change, name="consent_change"),
    path("receipts/<uuid:receipt_id>/", consent_views.receipt_detail, name="consent_receipt"),
    path("documents/<slug:purpose_key>/v<int:version>/", consent_views.document_detail, name="consent_document"),
    path("documents/<slug:purpose_key>/diff/", consent_views.document_diff, name="consent_document_diff"),
    path("jwks.json", consent_views.signing_keys, name="consent_jwks"),
]

privacy_pages: list[URLPattern | URLResolver] = [
    path("", privacy_views.my_data, name="my_data"),
    path("exports/", privacy_views.data_export_create, name="data_export_create"),
    path("exports/download/<str:token>/", privacy_views.data_export_download, name="data_export_download"),
    path("erase/", privacy_views.erase, name="privacy_erase"),
]

tenant_pages: list[URLPattern | URLResolver] = [
    path("", public_views.landing, name="tenant_home"),
    path("waitlist/confirm/<str:token>/", public_views.confirm, name="waitlist_confirm"),
    path("waitlist/status/<str:token>/", public_views.status, name="waitlist_status"),
    path("waitlist/leave/<str:token>/", public_views.leave, name="waitlist_leave"),
    path("join/<str:token>/", onboarding_views.join, name="join"),
    path("home/", onboarding_views.panelist_home, name="panelist_home"),
    path("wallet/", rewards_views.wallet, name="wallet"),
    path("wallet/history.csv", rewards_views.wallet_export, name="wallet_export"),
    path("wallet/payout-method/", rewards_views.payout_method_set, name="payout_method_set"),
    path("consents/", include(consent_pages)),
    path("privacy/", include(privacy_pages)),
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

handler400 = "config.views.bad_request"
handler403 = "config.views.forbidden"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
