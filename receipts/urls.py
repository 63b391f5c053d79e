"""receipts' URLs: the panelist's receipts pages and signed image links, the reviewers' queue and the
program, the APIs."""

from django.urls import URLPattern, URLResolver, path

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
    path("receipts/program/", console_views.console_receipt_program, name="console_receipt_program"),
    path(
        "receipts/program/update/",
        console_views.console_receipt_program_update,
        name="console_receipt_program_update",
    ),
]
api_v1: list[URLPattern | URLResolver] = []
