"""accounts' writes: an account vouched for by someone we trust, the purge of expired sessions, the
emailed code that opens the set-up of a second factor, the password asked again before a sensitive
change, and the security notices mailed to an account."""

from __future__ import annotations

import re
import secrets
import time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts import throttle
from accounts.mfa import authenticator_data_map
from accounts.models import User
from accounts.selectors import (
    ENROLMENT_CODE_SECONDS,
    ENROLMENT_PASSED_SESSION_KEY,
    ENROLMENT_SESSION_KEY,
    enrolment_code_key,
    user_verified_email,
)
from core import crypto
from core.errors import DomainError, RateLimited
from core.masking import email_masked


@transaction.atomic
def user_get_or_create_verified(*, email: str, password: str | None = None, name: str = "") -> tuple[User, bool]:
    """Return the account for ``email``, creating it with a verified address when it is new.

    Used where someone we trust vouches for the address (a platform admin creating a tenant's
    owner, an accepted invitation). An existing account keeps its password.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email, password=password, name=name)
        except IntegrityError:  # created by a concurrent request a moment ago
            user = User.objects.get(email__iexact=email)
            created = False
    has_primary = EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=email).exists()
    address, _new = EmailAddress.objects.get_or_create(
        user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": not has_primary}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return user, created


def session_purge() -> int:
    """Delete expired login sessions: they hold personal data and serve no purpose once expired.

    What ``clearsessions`` does for the database session engine (settings.SESSION_ENGINE), counted.
    """
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# --- The emailed code in front of a second factor's set-up ------------------------------------------
#
# Whoever knows a staff member's password (or took over the mailbox through "forgot password" and
# then the password) could otherwise enrol their own authenticator and own the account's console.
# The set-up of a second factor therefore first asks for a code mailed to the account's verified
# address, typed in the same session: 8 digits, valid 10 minutes, 5 tries, used once. Only its HMAC
# is kept (in Redis, under the account's id), next to a random id of the session that asked for it.

ENROLMENT_CODE_DIGITS = 8
ENROLMENT_CODE_ATTEMPTS = 5
ENROLMENT_CODE_RESEND_SECONDS = 60


def _enrolment_code_hash(*, user_pk: int, flow: str, code: str) -> str:
    return salted_hmac("accounts.mfa_enrolment_code", f"{user_pk}:{flow}:{code}").hexdigest()


def mfa_enrolment_code_send(*, user: User, session: SessionBase) -> str:
    """Mail a new code to the account's verified address, replacing any earlier one; returns the
    address masked, to show where it went."""
    address = user_verified_email(user=user)
    if address is None:
        raise DomainError(_("Your account has no verified email address to send a code to."), code="no_verified_email")
    if not cache.add(f"{enrolment_code_key(user_pk=user.pk)}:sent", 1, ENROLMENT_CODE_RESEND_SECONDS):
        raise RateLimited(_("A code was sent less than a minute ago. Check your inbox, or wait a minute."))
    flow = secrets.token_urlsafe(16)
    code = f"{secrets.randbelow(10**ENROLMENT_CODE_DIGITS):0{ENROLMENT_CODE_DIGITS}d}"
    key = enrolment_code_key(user_pk=user.pk)
    cache.set(key, {"flow": flow, "hash": _enrolment_code_hash(user_pk=user.pk, flow=flow, code=code)},
              ENROLMENT_CODE_SECONDS)  # fmt: skip
    cache.set(f"{key}:attempts", 0, ENROLMENT_CODE_SECONDS)
    session[ENROLMENT_SESSION_KEY] = flow
    session.pop(ENROLMENT_PASSED_SESSION_KEY, None)
    context = {"code": code, "minutes": ENROLMENT_CODE_SECONDS // 60}
    send_mail(
        render_to_string("accounts/email/mfa_enrolment_code_subject.txt", context).strip(),
        render_to_string("accounts/email/mfa_enrolment_code.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [address],
    )
    return email_masked(address)


def mfa_enrolment_code_verify(*, user: User, session: SessionBase, code: str) -> None:
    """Accept the mailed code once, in the session that asked for it; the session may then set up a
    second factor for ``ENROLMENT_CODE_SECONDS``."""
    code = re.sub(r"[\s-]", "", code)
    if not code:
        raise DomainError(_("Type the code from the email."), fields={"code": [_("This field is required.")]})
    key = enrolment_code_key(user_pk=user.pk)
    flow = session.get(ENROLMENT_SESSION_KEY)
    pending = cache.get(key)
    if not flow or not pending or not constant_time_compare(pending["flow"], flow):
        raise DomainError(
            _("No code is waiting for this session, or it has expired. Send a new one."),
            code="code_expired",
            fields={"code": [_("Send a new code.")]},
        )
    try:
        attempts = cache.incr(f"{key}:attempts")
    except ValueError:  # expired a moment ago
        attempts = ENROLMENT_CODE_ATTEMPTS + 1
    if attempts > ENROLMENT_CODE_ATTEMPTS:
        cache.delete_many([key, f"{key}:attempts"])
        raise RateLimited(
            _("Too many wrong codes. Send a new one."), code="code_attempts", fields={"code": [_("Send a new code.")]}
        )
    if not constant_time_compare(pending["hash"], _enrolment_code_hash(user_pk=user.pk, flow=flow, code=code)):
        raise DomainError(_("That code is not the one we sent."), code="code_invalid",
                          fields={"code": [_("Check the code and type it again.")]})  # fmt: skip
    if not cache.delete(key):  # used by a concurrent request a moment ago: once only
        raise DomainError(_("That code was already used. Send a new one."), code="code_expired")
    cache.delete(f"{key}:attempts")
    session.pop(ENROLMENT_SESSION_KEY, None)
    session[ENROLMENT_PASSED_SESSION_KEY] = {"user": user.pk, "until": time.time() + ENROLMENT_CODE_SECONDS}


def mfa_enrolment_done(*, session: SessionBase) -> None:
    """A second factor was set up: the emailed code's pass is spent."""
    session.pop(ENROLMENT_PASSED_SESSION_KEY, None)


# --- The password asked again ----------------------------------------------------------------------


def password_confirm(*, user: User, password: str, client_ip: str) -> None:
    """Refuse unless ``password`` is the account's: asked again before a sensitive change (the payout
    destination). Wrong passwords count as failed sign-ins of this client (``accounts.throttle``)."""
    if not password:
        raise DomainError(_("Type your password to confirm this change."),
                          code="password_required", fields={"password": [_("This field is required.")]})  # fmt: skip
    login = user.email.lower()
    try:
        throttle.login_check(ip=client_ip, login=login)
    except throttle.Throttled as exc:
        raise RateLimited(exc.message, fields={"password": [exc.message]}) from None
    if not user.check_password(password):
        throttle.login_failed(ip=client_ip, login=login)
        raise DomainError(_("That is not your password; nothing was changed."),
                          code="password_invalid", fields={"password": [_("Wrong password.")]})  # fmt: skip
    throttle.login_succeeded(ip=client_ip, login=login)


# --- Security notices ------------------------------------------------------------------------------

SECURITY_NOTICES = {
    "totp_added": "accounts/email/notice_totp_added",
    "totp_removed": "accounts/email/notice_totp_removed",
    "recovery_codes_regenerated": "accounts/email/notice_recovery_codes_regenerated",
}


def security_notice_send(*, user_id: int, event: str, language: str) -> bool:
    """Tell the account, at its own address, that its second factor changed; False when there is
    nobody left to tell (an erased account). Run by a worker: safe to run twice (a second copy)."""
    template = SECURITY_NOTICES[event]
    user = User.objects.filter(pk=user_id).first()
    address = user_verified_email(user=user) if user is not None else None
    if user is None or address is None:
        return False
    with translation.override(language):
        context = {"user": user, "at": timezone.now()}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return True


# --- Second-factor secrets at rest -----------------------------------------------------------------


def authenticator_secrets_rotate() -> int:
    """Re-encrypt every second-factor secret under the first key of FIELD_ENCRYPTION_KEYS (run by
    ``encryption_rotate``); returns how many authenticators were rewritten. Rows are locked in id
    order, so that a recovery code used meanwhile waits instead of being lost."""
    rewritten = 0
    with transaction.atomic():
        for authenticator in Authenticator.objects.select_for_update().order_by("pk").iterator(chunk_size=500):
            data = authenticator_data_map(authenticator.type, authenticator.data, crypto.rotate)
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                rewritten += 1
    return rewritten
