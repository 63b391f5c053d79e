"""The panelist's own write in the wallet: how to be paid (a payment to an email address, a gift
card, or a donation to one of the panel's charities)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from panel.models import Panelist
from rewards.models import PayoutMethod, PayoutPreference
from rewards.selectors import charity_list_active, payout_methods_offered


def payout_preference_set(
    *, panelist: Panelist, method: str, email: str = "", charity_id: int | str | None = None
) -> PayoutPreference:
    """Choose how to be paid. Only what the panel offers; a charity must be one of the panel's."""
    tenant = panelist.tenant
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
    return preference


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
