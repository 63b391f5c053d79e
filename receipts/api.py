"""The receipts API. Panelists (their session, ``X-Tenant``): send a receipt (multipart ``files``),
list theirs, read one, confirm its fields, appeal a rejection. Operators (an API key or a staff
session): the program's rules, the receipts listed and filtered, a decision, and a CSV export."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from receipts.models import Reason, Receipt, ReceiptDecision, ReceiptProgram
from receipts.selectors import (
    EXPORT_COLUMNS,
    merchant_directory,
    receipt_appeal_get,
    receipt_checks,
    receipt_decisions,
    receipt_figures,
    receipt_get,
    receipt_get_by_public_id,
    receipt_images,
    receipt_list,
    receipt_list_for_staff,
    receipt_program_get,
    receipts_csv,
    receipts_export_rows,
)
from receipts.services.program import merchant_directory_replace, receipt_program_update
from receipts.services.review import receipt_appeal, receipt_approval_reverse, receipt_confirm, receipt_decide
from receipts.services.submission import receipt_submit
from receipts.storage import image_url
from rewards.api import PanelistApiView
from tenants.api_base import TenantApiView
from tenants.models import ApiKey
from tenants.roles import Perm


class DecisionSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = ReceiptDecision
        fields = ["outcome", "reason", "note", "on_appeal", "reversal", "money", "created_at", "by"]
        extra_kwargs = {
            "reversal": {"help_text": "An approval withdrawn later (the outcome is then rejected)."},
            "money": {"help_text": "For a reversal that touched a paid milestone: kept or taken_back."},
        }

    def get_by(self, decision: ReceiptDecision) -> str:
        """``rules`` (automatic) or ``reviewer`` (a person)."""
        return "rules" if decision.actor == "system" else "reviewer"


class ReadSerializer(serializers.Serializer):
    merchant = serializers.CharField(source="read_merchant")
    purchase_date = serializers.DateField(source="read_date", allow_null=True)
    total = serializers.IntegerField(source="read_total", allow_null=True)
    currency = serializers.CharField(source="read_currency")
    receipt_number = serializers.CharField(source="read_number")
    engine = serializers.CharField(
        source="read_engine", help_text="The reader that read it: rapidocr, tesseract (the fallback), or none."
    )


class ReceiptSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField(help_text="photo or pdf")
    status = serializers.CharField(help_text="reading, to_confirm, review, approved or rejected")
    reason = serializers.CharField(help_text="The reason code of the last decision, if a rejection.")
    read = ReadSerializer(source="*")
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = ["id", "kind", "status", "reason", "merchant", "purchase_date", "total", "currency",
                  "receipt_number", "read", "flags", "submitted_at", "decided_at"]  # fmt: skip

    def get_flags(self, receipt: Receipt) -> list[str]:
        """The reason codes of the checks that failed."""
        return [check.code for check in receipt_checks(receipt=receipt)]


class ReceiptDetailSerializer(ReceiptSerializer):
    decisions = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    appealed = serializers.SerializerMethodField()

    class Meta(ReceiptSerializer.Meta):
        fields = [*ReceiptSerializer.Meta.fields, "decisions", "images", "appealed"]

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, receipt: Receipt) -> list[dict[str, Any]]:
        return list(DecisionSerializer(receipt_decisions(receipt=receipt), many=True).data)

    def get_images(self, receipt: Receipt) -> list[str]:
        """Short-lived signed links to the stored (redacted, re-encoded) images."""
        if receipt.status == Receipt.Status.READING:
            return []
        slug = self.context["tenant_slug"]
        return [image_url(image=image, tenant_slug=slug) for image in receipt_images(receipt=receipt)]

    def get_appealed(self, receipt: Receipt) -> bool:
        return receipt_appeal_get(receipt=receipt) is not None


class SubmitSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), help_text="Photos of one receipt, or one PDF.")


class ConfirmSerializer(serializers.Serializer):
    merchant = serializers.CharField(max_length=100)
    purchase_date = serializers.DateField()
    total = serializers.CharField(max_length=30, help_text="The total as typed, in major units ('12.50').")
    receipt_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class AppealSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


def _detail(receipt: Receipt) -> dict[str, Any]:
    return dict(ReceiptDetailSerializer(receipt, context={"tenant_slug": receipt.tenant.slug}).data)


# -- panelists ----------------------------------------------------------------------------------------


class MyReceiptListApi(PanelistApiView, ListAPIView):
    """My receipts, newest first; POST sends a new one (multipart ``files``: photos, or one PDF).

    Refused: 403 without consent to ``receipts``, 429 ``over_limit`` past the weekly limit, 400 with
    the file's reason (``file_empty``, ``file_too_large``, ``file_type_not_allowed``,
    ``file_type_mismatch``, ``file_polyglot``, ``file_truncated``, ``file_too_many_pixels``,
    ``pdf_too_many_pages``...). Nothing is stored when it is refused."""

    serializer_class = ReceiptSerializer
    parser_classes = [MultiPartParser, JSONParser]  # JSON carries no file: refused with a reason

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return receipt_list(panelist=self.panelist)

    @extend_schema(request=SubmitSerializer, responses={201: ReceiptDetailSerializer}, summary="Send a receipt")
    def post(self, request: Request) -> Response:
        files = [(upload.name or "", upload.read()) for upload in request.FILES.getlist("files")]
        receipt = receipt_submit(panelist=self.panelist, files=files)
        return Response(_detail(receipt), status=201)


RECEIPT_ID = OpenApiParameter("receipt_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class MyReceiptApi(PanelistApiView):
    """One of my receipts: its fields, what was read, the flags, every decision, and its images."""

    @extend_schema(parameters=[RECEIPT_ID], responses=ReceiptDetailSerializer, summary="My receipt")
    def get(self, request: Request, receipt_id: uuid.UUID) -> Response:
        return Response(_detail(receipt_get(panelist=self.panelist, public_id=receipt_id)))


class MyReceiptConfirmApi(PanelistApiView):
    """Confirm (or correct) what was read; the checks and the rules then decide or queue the receipt.
    409 ``wrong_state`` when it is not waiting for confirmation."""

    @extend_schema(parameters=[RECEIPT_ID], request=ConfirmSerializer, responses=ReceiptDetailSerializer,
                   summary="Confirm my receipt's fields")  # fmt: skip
    def post(self, request: Request, receipt_id: uuid.UUID) -> Response:
        receipt = receipt_get(panelist=self.panelist, public_id=receipt_id)
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        confirmed = receipt_confirm(receipt=receipt, language=get_language() or "en", **data.validated_data)
        return Response(_detail(confirmed))


class MyReceiptAppealApi(PanelistApiView):
    """Appeal a rejection, once, within 30 days; a different reviewer decides. 409 otherwise."""

    @extend_schema(parameters=[RECEIPT_ID], request=AppealSerializer, responses={201: ReceiptDetailSerializer},
                   summary="Appeal my receipt's rejection")  # fmt: skip
    def post(self, request: Request, receipt_id: uuid.UUID) -> Response:
        receipt = receipt_get(panelist=self.panelist, public_id=receipt_id)
        data = AppealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt_appeal(receipt=receipt, message=data.validated_data["message"])
        return Response(_detail(receipt_get(panelist=self.panelist, public_id=receipt_id)), status=201)


# -- operators ----------------------------------------------------------------------------------------


class MilestoneStepSerializer(serializers.Serializer):
    receipts = serializers.IntegerField(min_value=2, max_value=1000, help_text="Approved receipts in the month.")
    amount = serializers.IntegerField(min_value=1, help_text="What the step pays on top, in minor units.")


class ProgramSerializer(serializers.ModelSerializer):
    milestone_steps = MilestoneStepSerializer(
        many=True, required=False,
        help_text="The monthly milestone's further steps; the first is the reward settings' count and amount.",
    )  # fmt: skip

    class Meta:
        model = ReceiptProgram
        fields = ["photo_window_days", "pdf_window_days", "merchant_rule", "merchants", "categories", "weekly_limit",
                  "images_max", "file_max_bytes", "pdf_pages_max", "milestone_steps"]  # fmt: skip
        extra_kwargs = {
            "merchant_rule": {"help_text": "any, allow (only the merchants and categories listed) or block"},
            "categories": {"help_text": "Categories of the merchant directory the rule applies to."},
        }


class ProgramApi(TenantApiView):
    """The receipt program's rules: purchase windows, merchants and categories (an allow- or a
    block-list), limits."""

    required_perm = Perm.RECEIPTS_MANAGE

    @extend_schema(responses=ProgramSerializer, summary="The receipt program")
    def get(self, request: Request) -> Response:
        return Response(ProgramSerializer(receipt_program_get(tenant=self.tenant)).data)

    @extend_schema(request=ProgramSerializer, responses=ProgramSerializer, summary="Change the receipt program")
    def put(self, request: Request) -> Response:
        data = ProgramSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        program = receipt_program_update(tenant=self.tenant, values=data.validated_data)
        return Response(ProgramSerializer(program).data)


class ReceiptMerchantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="A shop's name, or another name it goes by.")
    category = serializers.CharField(max_length=60)


class MerchantDirectorySerializer(serializers.Serializer):
    merchants = serializers.ListField(child=ReceiptMerchantSerializer(), max_length=5000)


class MerchantDirectoryApi(TenantApiView):
    """The merchant directory: each shop's name (or another name it goes by) and its category, which
    the program's allow- or block-list may name. PUT replaces the whole directory, all or nothing
    (400 with the lines at fault under ``fields.directory``)."""

    required_perm = Perm.RECEIPTS_MANAGE

    @extend_schema(responses=MerchantDirectorySerializer, summary="The merchant directory")
    def get(self, request: Request) -> Response:
        return Response(MerchantDirectorySerializer({"merchants": merchant_directory(tenant=self.tenant)}).data)

    @extend_schema(request=MerchantDirectorySerializer, responses=MerchantDirectorySerializer,
                   summary="Replace the merchant directory")  # fmt: skip
    def put(self, request: Request) -> Response:
        data = MerchantDirectorySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = [(row["name"], row["category"]) for row in data.validated_data["merchants"]]
        merchants = merchant_directory_replace(tenant=self.tenant, entries=entries)
        return Response(MerchantDirectorySerializer({"merchants": merchants}).data)


FILTERS = [
    OpenApiParameter("status", str, enum=Receipt.Status.values),
    OpenApiParameter("reason", str, enum=Reason.values),
    OpenApiParameter("panelist", str, description="A panelist's pseudonymous id."),
    OpenApiParameter("month", str, description="The month sent, YYYY-MM."),
]


def _filters(request: Request) -> dict[str, str]:
    return {name: str(request.query_params.get(name, ""))[:40] for name in ("status", "reason", "panelist", "month")}


class ReceiptListApi(TenantApiView, ListAPIView):
    """The tenant's receipts, newest first, filtered by status, reason, panelist and month."""

    required_perm = Perm.RECEIPTS_REVIEW
    serializer_class = ReceiptSerializer

    @extend_schema(parameters=FILTERS, summary="Receipts")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return receipt_list_for_staff(tenant=self.tenant, **_filters(self.request))


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReceiptDecision.Outcome.choices)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _decider(request: Request) -> tuple[User | None, str]:
    """Who decides: a person (their staff session), or an API key, named ``api-key:<id>``."""
    if isinstance(request.auth, ApiKey):
        return None, f"api-key:{request.auth.pk}"
    return (request.user if isinstance(request.user, User) else None), ""


class ReceiptDecideApi(TenantApiView):
    """Approve a receipt waiting for review, or reject it with a reason code and a note. An appeal is
    decided by anyone but whoever decided first (403 ``same_reviewer``); 409 ``wrong_state`` when the
    receipt is not waiting for a review."""

    required_perm = Perm.RECEIPTS_REVIEW

    @extend_schema(parameters=[RECEIPT_ID], request=DecideSerializer, responses=ReceiptDetailSerializer,
                   summary="Decide a receipt")  # fmt: skip
    def post(self, request: Request, receipt_id: uuid.UUID) -> Response:
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = receipt_get_by_public_id(tenant=self.tenant, public_id=receipt_id)
        person, actor = _decider(request)
        receipt_decide(receipt=receipt, reviewer=person, actor=actor, **data.validated_data)
        return Response(_detail(receipt_get_by_public_id(tenant=self.tenant, public_id=receipt_id)))


class ReverseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    note = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    money = serializers.ChoiceField(
        choices=[("keep", "keep"), ("take_back", "take_back")],
        help_text="When a step of the month's milestone was paid and is no longer reached: the panelist "
        "keeps the money, or it is taken back (refused while it has been paid out).",
    )


class ReceiptReverseApi(TenantApiView):
    """Withdraw an approval found wrong later, with a reason code and a note; ``money`` is the
    operator's choice for a milestone already paid. The panelist sees the decision and the choice on
    the receipt's page and is told by email. 409 ``wrong_state`` when the receipt is not approved."""

    required_perm = Perm.RECEIPTS_MANAGE

    @extend_schema(parameters=[RECEIPT_ID], request=ReverseSerializer, responses=ReceiptDetailSerializer,
                   summary="Reverse a receipt's approval")  # fmt: skip
    def post(self, request: Request, receipt_id: uuid.UUID) -> Response:
        data = ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = receipt_get_by_public_id(tenant=self.tenant, public_id=receipt_id)
        person, actor = _decider(request)
        receipt_approval_reverse(
            receipt=receipt,
            by=person,
            actor=actor,
            reason=data.validated_data["reason"],
            note=data.validated_data["note"],
            take_back=data.validated_data["money"] == "take_back",
        )
        return Response(_detail(receipt_get_by_public_id(tenant=self.tenant, public_id=receipt_id)))


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day (the tenant's time zone).")
    sent = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    approval_rate = serializers.IntegerField(help_text="Percent of the month's decided receipts approved.")


class ReasonFiguresSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class ReviewerFiguresSerializer(serializers.Serializer):
    reviewer = serializers.CharField(help_text="Who decided: user:<id> or api-key:<id>.")
    decisions = serializers.IntegerField()
    appeals = serializers.IntegerField(help_text="Of which appeals.")


class QueueFiguresSerializer(serializers.Serializer):
    waiting = serializers.IntegerField()
    appeals = serializers.IntegerField()
    oldest_hours = serializers.IntegerField()


class ReceiptFiguresSerializer(serializers.Serializer):
    months = MonthFiguresSerializer(many=True)
    rejection_reasons = ReasonFiguresSerializer(many=True)
    reviewers = ReviewerFiguresSerializer(many=True, help_text="The last 30 days.")
    queue = QueueFiguresSerializer()


class ReceiptFiguresApi(TenantApiView):
    """The program's figures, as the console charts them: receipts per month (the last 12, newest
    first) with the approval rate, the top reasons of rejection, each reviewer's throughput over the
    last 30 days, and the review queue."""

    required_perm = Perm.RECEIPTS_MANAGE

    @extend_schema(responses=ReceiptFiguresSerializer, summary="The receipt program's figures")
    def get(self, request: Request) -> Response:
        figures = receipt_figures(tenant=self.tenant)
        return Response(ReceiptFiguresSerializer(figures).data)


class ReceiptExportApi(TenantApiView):
    """The receipts (the same filters as the list): CSV, streamed, or with ``fmt=json`` one object with
    the ``columns`` and the ``rows``."""

    required_perm = Perm.RECEIPTS_MANAGE

    @extend_schema(
        parameters=[*FILTERS, OpenApiParameter("fmt", str, enum=["csv", "json"], required=False)],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
        summary="Export receipts",
    )
    def get(self, request: Request) -> StreamingHttpResponse | Response:
        rows = receipt_list_for_staff(tenant=self.tenant, **_filters(request))
        if request.query_params.get("fmt") == "json":
            return Response({"columns": EXPORT_COLUMNS, "rows": list(receipts_export_rows(rows=rows))})
        response = StreamingHttpResponse(receipts_csv(rows=rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="receipts-{self.tenant.slug}.csv"'
        return response
