"""allauth's sign-in and password-reset forms, taking internationalised addresses (core.emails)."""

from __future__ import annotations

from typing import Any

from allauth.account.fields import EmailField
from allauth.account.forms import LoginForm, ResetPasswordForm

from core.emails import email_clean, email_validate


class UnicodeEmailField(EmailField):
    """allauth's email field with our validator: ``jürgen.müller@bücher.example`` is an address."""

    default_validators = [email_validate]

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return email_clean(value) if value else value


class SignInForm(LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        self.fields["login"] = UnicodeEmailField(label=login.label, widget=login.widget)


class PasswordResetForm(ResetPasswordForm):
    email = UnicodeEmailField(required=True)
