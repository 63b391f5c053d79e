"""The panelist's own write in the wallet: how to be paid (a payment to an email address, a gift
card, or a donation to one of the panel's charities).

Changing where the money goes asks for the account's password again (a session left open, or stolen,
must not redirect the payouts), and mails the account a notice at its own address."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.services import password_confirm
from core.errors import DomainError
from core.masking import email_masked
from panel.models import Panelist
from rewards.models import PayoutMethod, PayoutPreference
from rewards.selectors import charity_list_active, payout_methods_offered, payout_preference_get
from rewards.tasks import payout_preference_notice_send_task


def payout_preference_set(
    *,
    panelist: Panelist,
    method: str,
    email: str = "",
    charity_id: int | str | None = None,
    password: str,
    client_ip: str,
) -> PayoutPreference:
    """Choose how to be paid. Only what the panel offers; a charity must be one of the panel's; the
    account's ``password`` confirms it (wrong ones count as failed sign-ins from ``client_ip``)."""
    tenant = panelist.tenant
    if panelist.user is None:
        raise DomainError(_("This membership has no account any more."), code="no_account")
    password_confirm(user=panelist.user, password=password, client_ip=client_ip)
    if method not in dict(payout_methods_offered(tenant=tenant)):
        raise DomainError(
            _("This panel does not offer that way of being paid."), fields={"method": [_("Not offered.")]}
        )
    email = email.strip().lower()
    charity = None
    if method == PayoutMethod.MASS_PAYMENT and email:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            raise DomainError(_("Give a valid email address, or leave it empty to use your account's."),
                              fields={"email": [_("Not an email address.")]}) from None  # fmt: skip
    if method == PayoutMethod.CHARITY:
        charity = charity_list_active(tenant=tenant).filter(pk=_int_or_none(charity_id) or 0).first()
        if charity is None:
            raise DomainError(_("Choose one of the panel's charities."), fields={"charity": [_("Unknown charity.")]})
    values = {"tenant": tenant, "method": method, "email": email if method == PayoutMethod.MASS_PAYMENT else "",
              "charity": charity}  # fmt: skip
    try:
        with transaction.atomic():
            preference, _created = PayoutPreference.objects.update_or_create(panelist=panelist, defaults=values)
    except IntegrityError:  # saved twice at once: the other one created the row, update it
        preference, _created = PayoutPreference.objects.update_or_create(panelist=panelist, defaults=values)
    payout_preference_notice_send_task.delay_on_commit(
        panelist.pk, translation.get_language() or settings.LANGUAGE_CODE
    )
    return preference


def payout_preference_notice_send(*, panelist_id: int, language: str) -> bool:
    """Mail the account, at its own address, where its payouts now go (a payment address masked);
    False when there is nobody to tell. Run by a worker: safe to run twice (a second copy)."""
    # across tenants: a worker loads the row its message names
    panelist = Panelist.objects.unscoped().select_related("tenant", "user").filter(pk=panelist_id).first()
    if panelist is None or panelist.user is None:
        return False
    preference = payout_preference_get(panelist=panelist)
    if preference is None:
        return False
    with translation.override(language):
        if preference.method == PayoutMethod.MASS_PAYMENT:
            destination = _("a payment to %(address)s") % {
                "address": email_masked(preference.email) if preference.email else _("your account's email address")
            }
        elif preference.method == PayoutMethod.CHARITY and preference.charity is not None:
            destination = _("a donation to %(charity)s") % {"charity": preference.charity.name}
        else:
            destination = str(PayoutMethod(preference.method).label)
        context = {"tenant": panelist.tenant, "destination": destination, "at": preference.updated_at}
        subject = render_to_string("rewards/email/payout_method_changed_subject.txt", context).strip()
        body = render_to_string("rewards/email/payout_method_changed.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [panelist.user.email])
    return True


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
