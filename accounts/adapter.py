"""allauth's adapters: closed signup, and second-factor secrets encrypted at rest (``core.crypto``)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Fairpanel panels are invite-only: there is no open signup. Accounts come from
        # tenant_create (owners), the console (staff) and accepted invitations (panelists).
        return False


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under FIELD_ENCRYPTION_KEYS: a copy
    of the database alone cannot mint anyone's second factor."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
