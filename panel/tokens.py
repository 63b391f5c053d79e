"""The links panel mails: derived from a row and the secret key, never stored.

An invitation link carries ``<id>.<HMAC(id, nonce)>`` in its fragment, which browsers never send to
the server; a waitlist link ``<public id>.<HMAC(public id, nonce)>``, one HMAC per use (confirm,
status), so a status link cannot confirm. Revoking a row's nonce (or deleting the row) kills its links.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from panel.models import Invitation, WaitlistEntry

_INVITATION_SALT = "fairpanel.invitation"


def invitation_token(invitation: Invitation) -> str:
    digest = salted_hmac(_INVITATION_SALT, f"{invitation.pk}.{invitation.nonce}", algorithm="sha256").hexdigest()
    return f"{invitation.pk}.{digest[:40]}"


def invitation_url(invitation: Invitation) -> str:
    """The join page with the token in the fragment: browsers never send a fragment to the server, so
    the token stays out of every access log (the join page posts it; see panel.views.onboarding)."""
    path = reverse("join", kwargs={"tenant_slug": invitation.tenant.slug})
    return f"{settings.FAIRPANEL_BASE_URL}{path}#{invitation_token(invitation)}"


def waitlist_token(entry: WaitlistEntry, purpose: str) -> str:
    digest = salted_hmac(f"fairpanel.waitlist.{purpose}", f"{entry.public_id}.{entry.nonce}", algorithm="sha256")
    return f"{entry.public_id}.{digest.hexdigest()[:40]}"


def waitlist_url(entry: WaitlistEntry, url_name: str, purpose: str) -> str:
    path = reverse(url_name, kwargs={"tenant_slug": entry.tenant.slug, "token": waitlist_token(entry, purpose)})
    return f"{settings.FAIRPANEL_BASE_URL}{path}"
