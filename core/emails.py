"""Email addresses, the same way everywhere: internationalised ones included.

Django's validator takes only ASCII before the ``@``, so ``jürgen.müller@bücher.example`` was refused.
Every place that takes an address (the waitlist, invitations and their CSV import, staff, payouts, the
sign-in and password-reset forms) cleans it here: ``email-validator`` with SMTPUTF8 allowed, no
DNS lookup (forms must answer offline and at once), and special-use test domains allowed so that the
demo and the tests can use ``.test`` addresses. The result is stored in lower case, as before.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


def email_clean(value: str) -> str:
    """The address as it is stored: Unicode (NFC), the domain normalised, all in lower case.

    Raises ``ValidationError`` with a message a person can act on.
    """
    value = (value or "").strip()
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=True, test_environment=True)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), code="invalid") from None
    address = str(result.normalized).lower()
    if len(address) > MAX_LENGTH:
        raise ValidationError(_("An email address has at most %(n)s characters.") % {"n": MAX_LENGTH})
    return address


def email_validate(value: str) -> None:
    """``email_clean`` as a Django validator (for form and model fields)."""
    email_clean(value)
