from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import DomainError
from panel.models import Panelist
from panel.selectors import panelist_get, panelist_list
from tenants.api_base import TenantApiView
from tenants.roles import Perm


class PanelistOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Panelist
        # The operator sees the pseudonymous id, never the person's email.
        fields = ["public_id", "status", "joined_at", "left_at"]


@extend_schema(parameters=[OpenApiParameter("status", enum=Panelist.Status.values, required=False)])
class PanelistListApi(TenantApiView, ListAPIView):
    required_perm = Perm.PANELISTS_VIEW
    serializer_class = PanelistOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        status = self.request.query_params.get("status")
        if status and status not in Panelist.Status.values:
            raise DomainError(
                _("Unknown status."),
                fields={"status": [_("Use one of %(values)s.") % {"values": ", ".join(Panelist.Status.values)}]},
            )
        return panelist_list(tenant=self.tenant, status=status)


class PanelistDetailApi(TenantApiView):
    required_perm = Perm.PANELISTS_VIEW

    @extend_schema(responses=PanelistOutputSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(PanelistOutputSerializer(panelist_get(tenant=self.tenant, public_id=public_id)).data)
