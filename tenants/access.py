"""Who may reach a tenant's staff pages and APIs: membership, role permission, and MFA.

Staff must have signed in with their second factor in this session (an ``mfa`` authentication
record), not merely own an authenticator: a password alone never opens the console.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tenants.roles import Perm, role_has_perm


def session_passed_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def user_has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def staff_required(perm: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Guard a ``/t/<slug>/console/`` view.

    Not signed in: to the login page. Not staff of this tenant: 404 (the console of a tenant you do
    not work for does not exist for you). No TOTP yet: to TOTP set-up. TOTP but not used in this
    session: to MFA re-authentication. Staff without the permission: 403.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such console.")
            if not session_passed_mfa(request):
                next_q = urlencode({"next": request.get_full_path()})
                if not user_has_totp(request.user):
                    messages.info(request, _("Staff accounts need two-factor authentication. Set it up to continue."))
                    return redirect(f"{reverse('mfa_activate_totp')}?{next_q}")
                return redirect(f"{reverse('mfa_reauthenticate')}?{next_q}")
            if not role_has_perm(membership.role, perm):
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
