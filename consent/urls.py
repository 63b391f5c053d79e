"""consent's URLs: the panelist's consents and data, the purposes and the auditor console, the APIs."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from consent import api
from consent.views import audit, panelist, privacy, purposes

consent_pages: list[URLPattern | URLResolver] = [
    path("", panelist.my_consents, name="my_consents"),
    path("<slug:purpose_key>/grant/", panelist.my_consent_grant, name="my_consent_grant"),
    path("<slug:purpose_key>/withdraw/", panelist.my_consent_withdraw, name="my_consent_withdraw"),
    path("receipts/<uuid:receipt_id>/", panelist.receipt_detail, name="consent_receipt"),
    path("documents/<slug:purpose_key>/v<int:version>/", panelist.document_detail, name="consent_document"),
    path("documents/<slug:purpose_key>/diff/", panelist.document_diff, name="consent_document_diff"),
    path("jwks.json", panelist.signing_keys, name="consent_jwks"),
]

privacy_pages: list[URLPattern | URLResolver] = [
    path("", privacy.my_data, name="my_data"),
    path("exports/", privacy.data_export_create, name="data_export_create"),
    path("exports/download/<str:token>/", privacy.data_export_download, name="data_export_download"),
    path("erase/", privacy.erase, name="privacy_erase"),
]

pages: list[URLPattern | URLResolver] = [
    path("consents/", include(consent_pages)),
    path("privacy/", include(privacy_pages)),
]

console: list[URLPattern | URLResolver] = [
    path("purposes/", purposes.console_purposes, name="console_purposes"),
    path(
        "purposes/<slug:purpose_key>/publish/",
        purposes.console_document_publish,
        name="console_document_publish",
    ),
    path("retention/", purposes.console_retention_set, name="console_retention_set"),
    path("consent/", audit.console_consent, name="console_consent"),
    path("consent/verify/", audit.console_consent_verify, name="console_consent_verify"),
    path("consent/checkpoint.json", audit.console_consent_checkpoint, name="console_consent_checkpoint"),
    re_path(r"^consent/export\.(?P<fmt>csv|json)$", audit.console_consent_export, name="console_consent_export"),
    path("consent/record/", audit.console_processing_record, name="console_processing_record"),
    path("consent/purges/", audit.console_purge_log, name="console_purge_log"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("consent/events/", api.ConsentEventListApi.as_view(), name="api_consent_events"),
    path("consent/export/", api.ConsentExportApi.as_view(), name="api_consent_export"),
    path("consent/verify/", api.ConsentVerifyApi.as_view(), name="api_consent_verify"),
    path("consent/checkpoint/", api.ConsentCheckpointApi.as_view(), name="api_consent_checkpoint"),
    path("consent/documents/", api.ConsentDocumentListApi.as_view(), name="api_consent_documents"),
    path("consent/record/", api.ProcessingRecordApi.as_view(), name="api_consent_record"),
    path("consent/purges/", api.PurgeLogListApi.as_view(), name="api_consent_purges"),
    path("consent/retention-changes/", api.RetentionChangeListApi.as_view(), name="api_consent_retention_changes"),
    path("me/consents/", api.MyConsentsApi.as_view(), name="api_my_consents"),
    path("me/exports/", api.MyDataExportsApi.as_view(), name="api_my_exports"),
]
