"""The second factor: who has passed it in the current login, and where to send those who have not.

Staff (of any tenant) and platform admins must have signed in with TOTP in the current login (an ``mfa``
authentication record in allauth's session log), not merely own an authenticator: a password alone
never opens the console or the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.selectors import user_has_totp


def session_passed_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def mfa_redirect(request: HttpRequest) -> HttpResponse | None:
    """None when the current login passed MFA; otherwise a redirect to set TOTP up, or to give a code."""
    if session_passed_mfa(request):
        return None
    next_q = urlencode({"next": request.get_full_path()})
    if not user_has_totp(user=request.user):
        messages.info(request, _("Staff accounts need two-factor authentication. Set it up to continue."))
        return redirect(f"{reverse('mfa_activate_totp')}?{next_q}")
    return redirect(f"{reverse('mfa_reauthenticate')}?{next_q}")


def authenticator_data_map(kind: str, data: dict[str, Any], transform: Callable[[str], str]) -> dict[str, Any]:
    """allauth's ``Authenticator.data`` with ``transform`` applied to each secret it holds, the values
    that the MFA adapter encrypts: a TOTP secret, a recovery-code seed and any migrated codes."""
    data = dict(data)
    if kind == "totp" and "secret" in data:
        data["secret"] = transform(data["secret"])
    if kind == "recovery_codes":
        if "seed" in data:
            data["seed"] = transform(data["seed"])
        if data.get("migrated_codes") is not None:
            data["migrated_codes"] = [transform(code) for code in data["migrated_codes"]]
    return data
