"""accounts' writes: an account vouched for by someone we trust, the purge of expired sessions, and the
re-encryption of second-factor secrets."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.mfa import authenticator_data_map
from accounts.models import User
from core import crypto


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
