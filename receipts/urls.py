"""receipts' URLs: the panelist's receipts pages and signed image links, the reviewers' queue and the
program, the APIs."""

from django.urls import URLPattern, URLResolver, path

from receipts import api
from receipts.views import console as console_views
from receipts.views import panelist as panelist_views

pages: list[URLPattern | URLResolver] = [
    path("receipts/", panelist_views.receipts, name="receipts"),
    path("receipts/send/", panelist_views.receipt_send, name="receipt_send"),
    path("receipts/<uuid:public_id>/", panelist_views.receipt_detail, name="receipt_detail"),
    path("receipts/<uuid:public_id>/confirm/", panelist_views.receipt_fields_confirm, name="receipt_fields_confirm"),
    path("receipts/<uuid:public_id>/appeal/", panelist_views.receipt_appeal_send, name="receipt_appeal_send"),
    path("receipts/images/<str:token>/", panelist_views.receipt_image, name="receipt_image"),
]
console: list[URLPattern | URLResolver] = [
    path("receipts/review/", console_views.console_receipts_review, name="console_receipts_review"),
    path("receipts/<int:pk>/decide/", console_views.console_receipt_decide, name="console_receipt_decide"),
    path(
        "receipts/<int:pk>/reverse/",
        console_views.console_receipt_approval_reverse,
        name="console_receipt_approval_reverse",
    ),
    path("receipts/program/", console_views.console_receipt_program, name="console_receipt_program"),
    path(
        "receipts/program/update/",
        console_views.console_receipt_program_update,
        name="console_receipt_program_update",
    ),
    path(
        "receipts/merchants/update/",
        console_views.console_merchant_directory_update,
        name="console_merchant_directory_update",
    ),
]
api_v1: list[URLPattern | URLResolver] = [
    path("me/receipts/", api.MyReceiptListApi.as_view(), name="api_my_receipts"),
    path("me/receipts/<uuid:receipt_id>/", api.MyReceiptApi.as_view(), name="api_my_receipt"),
    path("me/receipts/<uuid:receipt_id>/confirm/", api.MyReceiptConfirmApi.as_view(), name="api_my_receipt_confirm"),
    path("me/receipts/<uuid:receipt_id>/appeal/", api.MyReceiptAppealApi.as_view(), name="api_my_receipt_appeal"),
    path("receipts/", api.ReceiptListApi.as_view(), name="api_receipts"),
    path("receipts/program/", api.ProgramApi.as_view(), name="api_receipt_program"),
    path("receipts/merchants/", api.MerchantDirectoryApi.as_view(), name="api_receipt_merchants"),
    path("receipts/figures/", api.ReceiptFiguresApi.as_view(), name="api_receipt_figures"),
    path("receipts/export/", api.ReceiptExportApi.as_view(), name="api_receipts_export"),
    path("receipts/<uuid:receipt_id>/decision/", api.ReceiptDecideApi.as_view(), name="api_receipt_decide"),
    path("receipts/<uuid:receipt_id>/reversal/", api.ReceiptReverseApi.as_view(), name="api_receipt_reverse"),
]
