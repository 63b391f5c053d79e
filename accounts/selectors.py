"""accounts' reads: a person's second factor, and their login sessions."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session

from accounts.models import User


def user_has_totp(*, user: object) -> bool:
    return Authenticator.objects.filter(user_id=getattr(user, "pk", None), type=Authenticator.Type.TOTP).exists()


def session_key_list(*, user: User) -> list[str]:
    """The keys of every session signed in as ``user`` (a session stores its user only in its data)."""
    keys = []
    for session in Session.objects.iterator(chunk_size=2000):
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys
