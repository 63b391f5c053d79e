"""Django's admin is for platform admins, and it is reached the same way as the console.

Its own login form (password only) is replaced by allauth's sign-in, and every admin page requires
a session that passed TOTP: a platform admin holds more power than any tenant's owner.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.mfa import mfa_redirect, session_passed_mfa


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    next_url = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    if (redirect := mfa_redirect(request)) is not None:
        return redirect
    return HttpResponse(status=302, headers={"Location": next_url})


def admin_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and session_passed_mfa(request))


def secure_admin_site() -> None:
    admin.site.login = admin_login  # type: ignore[method-assign]
    admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]
