"""adverification's URLs: the panelist's devices and what their browser sent, the program and its
reports in the console, and the extension's API."""

from django.urls import URLPattern, URLResolver, path

from adverification import api
from adverification.views import console as console_views
from adverification.views import panelist as panelist_views

pages: list[URLPattern | URLResolver] = [
    path("ad-verification/", panelist_views.ad_devices, name="ad_devices"),
    path("ad-verification/pair/", panelist_views.ad_pairing_code_create, name="ad_pairing_code_create"),
    path("ad-verification/devices/<int:pk>/revoke/", panelist_views.ad_device_revoke, name="ad_device_revoke"),
    path("ad-verification/sent/", panelist_views.ad_sent, name="ad_sent"),
    path("ad-verification/sent/<str:day>/delete/", panelist_views.ad_day_delete, name="ad_day_delete"),
]

console: list[URLPattern | URLResolver] = [
    path("ad-verification/", console_views.console_ad_program, name="console_ad_program"),
    path("ad-verification/settings/", console_views.console_ad_program_update, name="console_ad_program_update"),
    path("ad-verification/reports/", console_views.console_ad_reports, name="console_ad_reports"),
    path("ad-verification/reports.csv", console_views.console_ad_reports_csv, name="console_ad_reports_csv"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("adverification/devices/pair", api.AdDevicePairApi.as_view(), name="api_ad_device_pair"),
    path("adverification/watchlist", api.AdWatchListApi.as_view(), name="api_ad_watchlist"),
    path("adverification/batches", api.AdBatchCreateApi.as_view(), name="api_ad_batches"),
    path("adverification/reports/", api.AdReportApi.as_view(), name="api_ad_report"),
    path("me/adverification/devices/", api.MyAdDeviceListApi.as_view(), name="api_my_ad_devices"),
    path(
        "me/adverification/devices/<int:pk>/revoke/", api.MyAdDeviceRevokeApi.as_view(), name="api_my_ad_device_revoke"
    ),
    path("me/adverification/sent/", api.MyAdSentListApi.as_view(), name="api_my_ad_sent"),
    path("me/adverification/sent/<str:day>/", api.MyAdSentDayDeleteApi.as_view(), name="api_my_ad_sent_day_delete"),
]
