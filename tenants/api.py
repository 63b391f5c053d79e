from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from tenants.api_base import TenantApiView
from tenants.models import ApiKey, Membership, Tenant
from tenants.roles import Perm
from tenants.selectors import api_key_get, api_key_list, membership_list
from tenants.services import api_key_revoke


class TenantOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    currency = serializers.CharField()
    timezone = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    minimum_age = serializers.IntegerField()
    panel_capacity = serializers.IntegerField()
    role = serializers.SerializerMethodField(help_text="The caller's role in this tenant.")

    def get_role(self, tenant: Tenant) -> str:
        return str(self.context["role"])


class TenantDetailApi(TenantApiView):
    @extend_schema(responses=TenantOutputSerializer, summary="The caller's tenant")
    def get(self, request: Request) -> Response:
        return Response(TenantOutputSerializer(self.tenant, context={"role": self.role}).data)


class MembershipOutputSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]


class MembershipListApi(TenantApiView, ListAPIView):
    required_perm = Perm.TEAM_VIEW
    serializer_class = MembershipOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return membership_list(tenant=self.tenant)


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "role", "created_by", "created_at", "last_used_at", "revoked_at"]


class ApiKeyListApi(TenantApiView, ListAPIView):
    required_perm = Perm.APIKEYS_MANAGE
    serializer_class = ApiKeyOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return api_key_list(tenant=self.tenant)


class ApiKeyDetailApi(TenantApiView):
    required_perm = Perm.APIKEYS_MANAGE

    @extend_schema(responses=ApiKeyOutputSerializer, summary="One API key (never its secret)")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ApiKeyOutputSerializer(api_key_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(responses=ApiKeyOutputSerializer, summary="Revoke an API key; revoking twice is harmless")
    def delete(self, request: Request, pk: int) -> Response:
        api_key = api_key_revoke(api_key=api_key_get(tenant=self.tenant, pk=pk))
        return Response(ApiKeyOutputSerializer(api_key).data)


# Creating keys is a console action for owners (a person with MFA), not an API: a leaked key must
# not be able to mint more keys. API keys never hold the owner role, so they cannot list them either.
