"""Who may reach a tenant's staff pages: membership, MFA in the current login, and the role's permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from accounts.mfa import mfa_redirect
from tenants.roles import Perm, role_has_perm


def staff_required(perm: Perm) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Guard a ``/t/<slug>/console/`` view.

    Not signed in: to the login page. Not staff of this tenant: 404 (the console of a tenant you do
    not work for does not exist for you). No TOTP yet: to TOTP set-up. TOTP but not used in this
    session: to MFA re-authentication. Staff without the permission: 403.
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such console.")
            if (redirect := mfa_redirect(request)) is not None:
                return redirect
            if not role_has_perm(membership.role, perm):
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
