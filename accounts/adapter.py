"""allauth's adapters: closed signup, failed logins throttled per client (``accounts.throttle``), and
second-factor secrets encrypted at rest (``core.crypto``)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import throttle
from core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Fairpanel panels are invite-only: there is no open signup. Accounts come from
        # tenant_create (owners), the console (staff) and accepted invitations (panelists).
        return False

    # Failed logins: allauth's own limit counts failures per account, so that a handful of wrong
    # passwords from anyone locks the owner out too. Ours slows the client that fails instead
    # (accounts/throttle.py); a client that has not failed still gets in with the right password.

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            throttle.login_check(ip=self.get_client_ip(request), login=_login_of(credentials))
        except throttle.Throttled as exc:
            raise ValidationError(exc.message, code="too_many_login_attempts") from None

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.login_succeeded(ip=self.get_client_ip(request), login=_login_of(credentials))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        throttle.login_failed(ip=self.get_client_ip(request), login=_login_of(credentials))


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under FIELD_ENCRYPTION_KEYS: a copy
    of the database alone cannot mint anyone's second factor."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
