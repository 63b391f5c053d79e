"""Changes to a person's second factor are mailed to the account (by a worker, after the commit), so
that someone who enrolled their own authenticator with a stolen password is noticed."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.conf import settings
from django.dispatch import receiver
from django.utils.translation import get_language

from accounts.services import mfa_enrolment_done
from accounts.tasks import security_notice_send_task


def _notify(user: Any, event: str) -> None:
    security_notice_send_task.delay_on_commit(user.pk, event, get_language() or settings.LANGUAGE_CODE)


@receiver(authenticator_added)
def notice_on_factor_added(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type == Authenticator.Type.TOTP:
        if request is not None:
            mfa_enrolment_done(session=request.session)
        _notify(user, "totp_added")


@receiver(authenticator_removed)
def notice_on_factor_removed(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type == Authenticator.Type.TOTP:
        _notify(user, "totp_removed")


@receiver(authenticator_reset)
def notice_on_codes_reset(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        _notify(user, "recovery_codes_regenerated")
