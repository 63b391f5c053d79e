"""consent's API: the auditors' reads of the log (``TenantApiView``), and a panelist's own consents and
copies of their data (``SubjectApiView``: the browser session and the panel named by ``X-Tenant``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.checkpoints import checkpoint_filename
from consent.export_links import data_export_link_token
from consent.exports import export_response
from consent.models import ConsentDocument, ConsentEvent, DataExport, PurgeLog, RetentionChange
from consent.selectors import (
    EVENT_COLUMNS,
    chain_verify,
    consent_event_list,
    consent_states_for_subject,
    data_export_list,
    document_list,
    event_filter_from,
    processing_record_get,
    purge_log_list,
    retention_change_list,
)
from consent.services.checkpoints import checkpoint_issue
from consent.services.consent import consent_change_by_subject
from consent.services.privacy import data_export_request
from consent.subjects import Subject, subject_for
from core.errors import DomainError, PermissionDenied
from tenants.api_base import TENANT_HEADER, TenantApiView
from tenants.authentication import ApiKeyAuthentication
from tenants.models import ApiKey
from tenants.roles import Perm
from tenants.selectors import tenant_get_active

SEARCH_PARAMETERS = [
    OpenApiParameter("subject", str, required=False, description="A panelist's pseudonymous id."),
    OpenApiParameter("purpose", str, required=False),
    OpenApiParameter("kind", str, enum=ConsentEvent.Kind.values, required=False),
    OpenApiParameter("since", str, required=False, description="Date or date-time (inclusive)."),
    OpenApiParameter("until", str, required=False, description="Date or date-time (exclusive)."),
]


class ConsentEventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentEvent
        fields = list(EVENT_COLUMNS)


@extend_schema(parameters=SEARCH_PARAMETERS, summary="Search the consent log (auditors)")
class ConsentEventListApi(TenantApiView, ListAPIView):
    required_perm = Perm.CONSENT_AUDIT
    serializer_class = ConsentEventOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return consent_event_list(tenant=self.tenant, filters=event_filter_from(self.request.query_params))


class ConsentExportApi(TenantApiView):
    required_perm = Perm.CONSENT_AUDIT

    @extend_schema(
        parameters=[*SEARCH_PARAMETERS, OpenApiParameter("fmt", str, enum=["csv", "json"], required=False)],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): ConsentEventOutputSerializer(many=True),
        },
        summary="Export what a search finds, streamed (CSV or JSON)",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        fmt = request.query_params.get("fmt", "csv")
        if fmt not in {"csv", "json"}:
            raise DomainError(_("Unknown format."), fields={"fmt": [_("Use “csv” or “json”.")]})
        return export_response(tenant=self.tenant, filters=event_filter_from(request.query_params), fmt=fmt)


class ChainReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
    sealed = serializers.IntegerField(help_text="Purged events the chain links through by their seals.")


class ConsentVerifyApi(TenantApiView):
    required_perm = Perm.CONSENT_AUDIT

    @extend_schema(responses=ChainReportSerializer, summary="Verify the tenant's consent hash chain")
    def get(self, request: Request) -> Response:
        report = chain_verify(tenant=self.tenant)
        return Response(ChainReportSerializer(report).data)


class CheckpointPayloadSerializer(serializers.Serializer):
    format = serializers.CharField()
    tenant = serializers.CharField()
    tenant_id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="The last event of the chain when the checkpoint was taken.")
    hash = serializers.CharField(help_text="That event's hash.")
    at = serializers.CharField(help_text="When the checkpoint was taken (UTC).")


class CheckpointOutputSerializer(serializers.Serializer):
    checkpoint = CheckpointPayloadSerializer()
    jws = serializers.CharField(help_text="The checkpoint as a compact JWS (ES256) signed with the tenant's key.")


class ConsentCheckpointApi(TenantApiView):
    """A signed checkpoint of the chain head, for auditors to keep outside Fairpanel: later,
    ``consent_verify --checkpoint FILE`` proves that the log still extends it."""

    required_perm = Perm.CONSENT_AUDIT

    @extend_schema(responses=CheckpointOutputSerializer, summary="Take a signed checkpoint of the consent chain")
    def get(self, request: Request) -> Response:
        document = checkpoint_issue(tenant=self.tenant)
        filename = checkpoint_filename(document["checkpoint"])
        return Response(document, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class ConsentDocumentOutputSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="purpose.key")

    class Meta:
        model = ConsentDocument
        fields = ["purpose", "version", "language", "title", "body", "body_sha256", "change", "effective_at"]


class ConsentDocumentListApi(TenantApiView, ListAPIView):
    required_perm = Perm.CONSENT_AUDIT
    serializer_class = ConsentDocumentOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return document_list(tenant=self.tenant)


class ProcessingRecordApi(TenantApiView):
    required_perm = Perm.CONSENT_AUDIT

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The record of processing activities (GDPR Art. 30)")
    def get(self, request: Request) -> Response:
        return Response(processing_record_get(tenant=self.tenant))


class SubjectApiView(APIView):
    """Base of a panelist's own API: the browser session, and the tenant named by ``X-Tenant``.

    Nobody signed in gets a 401 (the key scheme is named first, so the answer says how to authenticate);
    an API key is a machine's credential, never a person's, so it gets a 403 here.
    """

    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    subject: Subject

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiKey):
            raise PermissionDenied(
                _("This is a panelist's own API: call it from their signed-in session, not with an API key."),
                code="session_required",
            )
        slug = request.headers.get(TENANT_HEADER, "")
        try:
            tenant = tenant_get_active(slug=slug)
        except Http404:
            raise DomainError(
                _("Name the panel with the %(header)s header.") % {"header": TENANT_HEADER}, code="tenant_required"
            ) from None
        subject = subject_for(tenant, request.user)
        if subject is None:
            raise Http404
        self.subject = subject


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.CharField(source="purpose.key")
    name = serializers.CharField()
    description = serializers.CharField()
    legal_basis = serializers.CharField(source="purpose.legal_basis")
    data_categories = serializers.ListField(child=serializers.CharField(), source="purpose.data_categories")
    retention_days = serializers.IntegerField(source="purpose.retention_days")
    needed_for_membership = serializers.BooleanField(source="purpose.required")
    status = serializers.CharField()
    current_version = serializers.IntegerField(source="current.version", allow_null=True, default=None)
    agreed_version = serializers.IntegerField(source="agreed.version", allow_null=True, default=None)


class ConsentChangeInputSerializer(serializers.Serializer):
    purpose = serializers.SlugField(max_length=50)
    action = serializers.ChoiceField(choices=["grant", "withdraw"])


class ReceiptOutputSerializer(serializers.Serializer):
    receipt_id = serializers.UUIDField()
    payload = serializers.JSONField()
    token = serializers.CharField(help_text="The receipt as a compact JWS (ES256).")


class MyConsentsApi(SubjectApiView, ListAPIView):
    """My consents, purpose by purpose (GET); grant or withdraw one (POST)."""

    serializer_class = ConsentStateSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return consent_states_for_subject(
            tenant=self.subject.tenant, subject=self.subject.id, language=self.subject.language
        )

    @extend_schema(request=ConsentChangeInputSerializer, responses=ReceiptOutputSerializer, summary="Grant or withdraw")
    def post(self, request: Request) -> Response:
        data = ConsentChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = consent_change_by_subject(
            subject=self.subject,
            purpose_key=data.validated_data["purpose"],
            action=data.validated_data["action"],
            method="api",
            base_url=f"{request.scheme}://{request.get_host()}",
        )
        return Response(ReceiptOutputSerializer(receipt).data, status=201)


class PurgeLogOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurgeLog
        fields = ["ran_at", "category", "cutoff", "purged", "dry_run"]


class PurgeLogListApi(TenantApiView, ListAPIView):
    """What retention purges removed: counts, never contents."""

    required_perm = Perm.CONSENT_AUDIT
    serializer_class = PurgeLogOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return purge_log_list(tenant=self.tenant)


class RetentionChangeOutputSerializer(serializers.ModelSerializer):
    changed_by = serializers.EmailField(source="changed_by.email", allow_null=True, default=None)

    class Meta:
        model = RetentionChange
        fields = ["changed_at", "category", "previous_days", "days", "changed_by", "role"]


class RetentionChangeListApi(TenantApiView, ListAPIView):
    """Every change of how long a category of personal data is kept: who, when, from what to what."""

    required_perm = Perm.CONSENT_AUDIT
    serializer_class = RetentionChangeOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return retention_change_list(tenant=self.tenant)


class DataExportOutputSerializer(serializers.ModelSerializer):
    download_path = serializers.SerializerMethodField()

    class Meta:
        model = DataExport
        fields = ["id", "status", "requested_at", "ready_at", "size", "download_path"]

    def get_download_path(self, export: DataExport) -> str | None:
        if export.status != DataExport.Status.READY:
            return None
        return reverse(
            "data_export_download", kwargs={"tenant_slug": export.tenant.slug, "token": data_export_link_token(export)}
        )


class MyDataExportsApi(SubjectApiView, ListAPIView):
    """My copies of my data (GET); ask for a new one (POST; at most 3 a day)."""

    serializer_class = DataExportOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return data_export_list(tenant=self.subject.tenant, subject=self.subject.id)

    @extend_schema(request=None, responses={202: DataExportOutputSerializer}, summary="Ask for a copy of my data")
    def post(self, request: Request) -> Response:
        export = data_export_request(subject=self.subject, user=request.user)
        return Response(DataExportOutputSerializer(export).data, status=202)
