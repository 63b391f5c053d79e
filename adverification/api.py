"""The extension's API: pair with a one-time code, read the watch list, send batches of counts.

The extension authenticates with its device token (``Authorization: Device fpd_…``), never with a
session or an API key. An unknown or revoked token is a 401 with the code ``device_revoked``, which
the extension shows (a withdrawal of consent revokes every device of the panelist).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttle import request_ip
from adverification.errors import BatchTooLarge, DeviceRevoked
from adverification.models import AdProgram, Device
from adverification.noise import EPSILON_MAX, EPSILON_MIN, epsilon_parse
from adverification.selectors import (
    SentDay,
    ad_program_get,
    ad_report,
    device_for_token,
    device_get,
    device_list,
    panelist_sent_days,
    report_range,
)
from adverification.services.counts import ad_day_delete
from adverification.services.devices import device_pair, device_revoke
from adverification.services.ingest import MAX_LINES, ad_batch_ingest
from rewards.api import PanelistApiView
from tenants.api_base import TenantApiView
from tenants.roles import Perm


class DeviceTokenAuthentication(BaseAuthentication):
    """``Authorization: Device fpd_<prefix>_<secret>``: the device, and through it its panel."""

    keyword = "Device"

    def authenticate(self, request: Request) -> tuple[Any, Device] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        device = device_for_token(token=header[1].decode(errors="replace")) if len(header) == 2 else None
        if device is None:
            raise DeviceRevoked("This device is not paired (or was removed): pair it again from your panel's page.")
        return None, device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "adverification.api.DeviceTokenAuthentication"
    name = "DeviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Device <token>`"}


class DeviceApiView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes: list[Any] = []
    device: Device

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not isinstance(request.auth, Device):
            raise exceptions.NotAuthenticated("Send the device token: 'Authorization: Device <token>'.")
        self.device = request.auth


class WatchListSerializer(serializers.Serializer):
    panel = serializers.CharField(help_text="The panel's slug.")
    ad_domains = serializers.ListField(child=serializers.CharField())
    landing_domains = serializers.ListField(child=serializers.CharField())


def _watch_list(program: AdProgram) -> dict[str, Any]:
    return {
        "panel": program.tenant.slug,
        "ad_domains": list(program.ad_domains),
        "landing_domains": list(program.landing_domains),
    }


class PairInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, help_text="The 8-character code from the panel's page.")
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class PairedSerializer(WatchListSerializer):
    token = serializers.CharField(help_text="The device token: shown once, keep it in the extension.")
    device = serializers.IntegerField()


class AdDevicePairApi(APIView):
    """Exchange a one-time pairing code (8 characters, 10 minutes, once) for a device token."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(request=PairInputSerializer, responses={201: PairedSerializer}, summary="Pair a browser",
                   auth=[])  # fmt: skip
    def post(self, request: Request) -> Response:
        data = PairInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        paired = device_pair(code=data.validated_data["code"], name=data.validated_data["name"],
                             client_ip=request_ip(request))  # fmt: skip
        body = _watch_list(paired.program) | {"token": paired.token, "device": paired.device.pk}
        return Response(PairedSerializer(body).data, status=status.HTTP_201_CREATED)


class AdWatchListApi(DeviceApiView):
    """The panel's watch list: ad domains (impressions) and landing domains (clicks)."""

    @extend_schema(responses=WatchListSerializer, summary="The watch list")
    def get(self, request: Request) -> Response:
        return Response(WatchListSerializer(_watch_list(ad_program_get(tenant=self.device.tenant))).data)


class CountLineSerializer(serializers.Serializer):
    domain = serializers.CharField(help_text="A watched domain, exactly as the watch list has it.")
    site = serializers.CharField(help_text="The registrable domain of the site where it happened.")
    hour = serializers.DateTimeField(help_text="The start of a UTC hour of the last 7 days.")
    kind = serializers.ChoiceField(choices=["impression", "click"])
    count = serializers.IntegerField(min_value=1, max_value=10_000)


class BatchInputSerializer(serializers.Serializer):
    batch_id = serializers.UUIDField(help_text="A random UUID; send it again unchanged when you retry.")
    counts = CountLineSerializer(many=True, help_text=f"1 to {MAX_LINES} lines.")


class BatchAcceptedSerializer(serializers.Serializer):
    batch_id = serializers.UUIDField()
    accepted = serializers.IntegerField()
    received_at = serializers.DateTimeField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


MAX_BODY_BYTES = 1_000_000  # 1,000 lines of the longest domains and sites allowed fit in about 0.6 MB


class AdBatchCreateApi(DeviceApiView):
    """Send a batch of counts. All or nothing: a wrong line refuses the batch (400, ``fields`` names
    ``counts.<index>.<field>``, ``code`` says why). A retry with the same ``batch_id`` and counts answers
    as the first did and adds nothing; other counts under a used ``batch_id`` are a 409."""

    @extend_schema(
        request=BatchInputSerializer,
        responses={
            201: BatchAcceptedSerializer,
            413: OpenApiResponse(ErrorSerializer, description=f"More than {MAX_LINES} counts in one batch."),
        },
        summary="Send counts",
    )
    def post(self, request: Request) -> Response:
        # Refused before the body is read: a batch of 1,000 honest lines is far below this.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise BatchTooLarge(f"A batch's body is at most {MAX_BODY_BYTES} bytes.", fields={"counts": [
                f"Send at most {MAX_LINES} counts a batch."]})  # fmt: skip
        data = request.data if isinstance(request.data, dict) else {}
        # Checked line by line by the service, which names the line at fault.
        ingested = ad_batch_ingest(device=self.device, batch_id=data.get("batch_id"), counts=data.get("counts"))
        return Response(ingested.as_json(), status=status.HTTP_201_CREATED)


# --- the operators' reports ----------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()


class ReportDaySerializer(CountsSerializer):
    day = serializers.DateField()


class ReportCellSerializer(ReportDaySerializer):
    domain = serializers.CharField()
    site = serializers.CharField(help_text='A registrable domain, or "other" for the merged cells under k.')
    panelists = serializers.IntegerField(allow_null=True, help_text='None for "other".')


class ReportPageSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    k = serializers.IntegerField(help_text="A cell shown by site has at least k distinct panelists.")
    epsilon = serializers.FloatField(allow_null=True, help_text="The noise's epsilon; null: exact figures.")
    hidden_cells = serializers.IntegerField(help_text='Cells under k, merged into "other".')
    days = ReportDaySerializer(many=True)
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportCellSerializer(many=True)


REPORT_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 27 days before the end)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today, the panel's)."),
    OpenApiParameter(
        "epsilon", OpenApiTypes.NUMBER, description=f"Noise (OpenDP), from {EPSILON_MIN} to {EPSILON_MAX}; none: exact."
    ),
]


class AdReportApi(TenantApiView, GenericAPIView):
    """The report of a range of days: only cells of at least k distinct panelists by site, the rest
    merged into "other"; with ``epsilon``, noise on the cells shown by site. Cells are paginated; the
    totals per day cover them all."""

    required_perm = Perm.AD_REPORTS_VIEW
    serializer_class = ReportCellSerializer

    @extend_schema(
        parameters=REPORT_PARAMETERS,
        responses={200: ReportPageSerializer, 400: OpenApiResponse(ErrorSerializer, description="A wrong epsilon.")},
        summary="Ad report",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        start, end = report_range(tenant=self.tenant, start=params.get("start"), end=params.get("end"))
        report = ad_report(tenant=self.tenant, start=start, end=end, epsilon=epsilon_parse(params.get("epsilon")))
        page = self.paginate_queryset(report.cells)
        listed = self.get_paginated_response(ReportCellSerializer(page, many=True).data).data
        days = [{"day": day, "impressions": i, "clicks": c} for day, i, c in report.days]
        header = {"start": report.start, "end": report.end, "k": report.k, "epsilon": report.epsilon,
                  "hidden_cells": report.hidden_cells, "days": days}  # fmt: skip
        return Response(ReportPageSerializer(header | dict(listed)).data)


# --- the panelist's own: devices, and what their browsers sent ------------------------------------------


class DeviceSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = Device
        fields = ["id", "name", "created_at", "last_seen_at", "active", "revoked_at", "revoked_reason"]


class MyAdDeviceListApi(PanelistApiView, ListAPIView):
    """My paired browsers, newest first, with when each last sent counts; removed ones say why."""

    serializer_class = DeviceSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return device_list(panelist=self.panelist)


class MyAdDeviceRevokeApi(PanelistApiView):
    """Remove one of my browsers: its next upload is refused (``device_revoked``). Again: no change."""

    @extend_schema(request=None, responses={200: DeviceSerializer, 404: ErrorSerializer}, summary="Remove a browser")
    def post(self, request: Request, pk: int) -> Response:
        device = device_revoke(device=device_get(panelist=self.panelist, device_id=pk))
        return Response(DeviceSerializer(device).data)


class SentSiteSerializer(CountsSerializer):
    site = serializers.CharField()
    domain = serializers.CharField()


class SentDaySerializer(ReportDaySerializer):
    sites = serializers.SerializerMethodField()

    @extend_schema_field(SentSiteSerializer(many=True))
    def get_sites(self, sent: SentDay) -> list[dict[str, Any]]:
        return [{"site": s, "domain": d, "impressions": i, "clicks": c} for s, d, i, c in sent.sites]


class DayDeletedSerializer(serializers.Serializer):
    day = serializers.DateField()
    rows = serializers.IntegerField(help_text="Raw rows deleted.")


class MyAdSentListApi(PanelistApiView, ListAPIView):
    """What my browsers sent, per day (the panel's) and site, newest day first."""

    serializer_class = SentDaySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return panelist_sent_days(panelist=self.panelist)


class MyAdSentDayDeleteApi(PanelistApiView):
    """Delete everything my browsers sent on a day (YYYY-MM-DD); the panel's roll-up of that day is
    rebuilt without it."""

    @extend_schema(request=None, responses={200: DayDeletedSerializer, 400: ErrorSerializer}, summary="Delete a day")
    def delete(self, request: Request, day: str) -> Response:
        deleted = ad_day_delete(panelist=self.panelist, day=day)
        return Response(DayDeletedSerializer({"day": deleted.day, "rows": deleted.rows}).data)
