"""The extension's API: pair with a one-time code, read the watch list, send batches of counts.

The extension authenticates with its device token (``Authorization: Device fpd_…``), never with a
session or an API key. An unknown or revoked token is a 401 with the code ``device_revoked``, which
the extension shows (a withdrawal of consent revokes every device of the panelist).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttle import request_ip
from adverification.errors import DeviceRevoked
from adverification.models import AdProgram, Device
from adverification.selectors import ad_program_get, device_for_token
from adverification.services.devices import device_pair
from adverification.services.ingest import MAX_LINES, ad_batch_ingest


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
        data = request.data if isinstance(request.data, dict) else {}
        # Checked line by line by the service, which names the line at fault.
        ingested = ad_batch_ingest(device=self.device, batch_id=data.get("batch_id"), counts=data.get("counts"))
        return Response(ingested.as_json(), status=status.HTTP_201_CREATED)
