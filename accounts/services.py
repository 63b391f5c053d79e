"""accounts' writes: an account vouched for by someone we trust, and the purge of expired sessions."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User


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
