"""The one base every tenant API goes through.

``TenantApiView`` resolves the tenant from the credential (an API key's tenant, or for a browser
session the ``X-Tenant`` header, defaulting to the user's only tenant), checks the role's
permission and, for sessions, that the person signed in with their second factor.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.mfa import session_passed_mfa
from core.errors import DomainError, PermissionDenied
from tenants.models import ApiKey, Tenant
from tenants.roles import Perm, role_has_perm
from tenants.selectors import membership_list_for_user

TENANT_HEADER = "X-Tenant"


class TenantApiView(APIView):
    required_perm: Perm = Perm.CONSOLE_VIEW
    tenant: Tenant
    role: str

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.tenant, self.role = self._resolve_tenant(request)
        if not role_has_perm(self.role, self.required_perm):
            raise PermissionDenied(
                _("The role “%(role)s” does not allow this (%(perm)s).")
                % {"role": self.role, "perm": self.required_perm.value},
                code="permission_denied",
            )

    def _resolve_tenant(self, request: Request) -> tuple[Tenant, str]:
        if isinstance(request.auth, ApiKey):
            return request.auth.tenant, request.auth.role
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not session_passed_mfa(request._request):
            raise PermissionDenied(
                _("Sign in with your second factor (TOTP) before using the staff API."), code="mfa_required"
            )
        memberships = list(membership_list_for_user(user=request.user))
        slug = request.headers.get(TENANT_HEADER)
        if slug:
            for membership in memberships:
                if membership.tenant.slug == slug:
                    return membership.tenant, membership.role
            raise Http404
        if len(memberships) == 1:
            return memberships[0].tenant, memberships[0].role
        if not memberships:
            raise Http404
        raise DomainError(
            _("You work for several panels: name one with the %(header)s header.") % {"header": TENANT_HEADER},
            code="tenant_required",
        )
