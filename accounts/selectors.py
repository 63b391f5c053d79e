"""accounts' reads: a person's second factor and verified address, their login sessions, and where a
session stands with the emailed code that opens a second factor's set-up."""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.cache import cache

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


def user_verified_email(*, user: User) -> str | None:
    """The account's verified address (its primary one first), or None."""
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    return addresses.values_list("email", flat=True).first()


# The emailed code in front of a second factor's set-up (see accounts.services): how long a code, and
# then the pass it gives, lasts; where the session keeps its side.
ENROLMENT_CODE_SECONDS = 600
ENROLMENT_SESSION_KEY = "accounts.mfa_enrolment.flow"
ENROLMENT_PASSED_SESSION_KEY = "accounts.mfa_enrolment.passed"


def enrolment_code_key(*, user_pk: int) -> str:
    return f"accounts:mfa-enrolment:{user_pk}"


def mfa_enrolment_code_pending(*, user: User, session: SessionBase) -> bool:
    """A code was mailed for this session and can still be typed."""
    flow = session.get(ENROLMENT_SESSION_KEY)
    pending = cache.get(enrolment_code_key(user_pk=user.pk))
    return bool(flow and pending and pending["flow"] == flow)


def mfa_enrolment_passed(*, user: object, session: SessionBase) -> bool:
    """This session typed the mailed code, for this account, less than ENROLMENT_CODE_SECONDS ago."""
    passed = session.get(ENROLMENT_PASSED_SESSION_KEY) or {}
    return passed.get("user") == getattr(user, "pk", None) and passed.get("until", 0) > time.time()
