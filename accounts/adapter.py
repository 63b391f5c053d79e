from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Fairpanel panels are invite-only: there is no open signup. Accounts come from
        # tenant_create (owners), the console (staff) and accepted invitations (panelists).
        return False
