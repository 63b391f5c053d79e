"""accounts' forms: allauth's sign-in and password-reset forms taking internationalised addresses
(core.emails), the second-factor code (allauth's, throttled like passwords), and the emailed code that
opens the set-up of a second factor."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.fields import EmailField
from allauth.account.forms import LoginForm, ResetPasswordForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from accounts import throttle
from core.emails import email_clean, email_validate


class _ThrottledCode:
    """A wrong second-factor code counts as a failed sign-in of this client (``accounts.throttle``), so
    that someone holding the password cannot try codes fast, yet cannot lock the owner out either."""

    user: object

    def clean_code(self) -> str:
        ip = get_account_adapter(context.request).get_client_ip(context.request)
        login = throttle.mfa_login(getattr(self.user, "pk", None))
        try:
            throttle.login_check(ip=ip, login=login)
        except throttle.Throttled as exc:
            raise ValidationError(exc.message, code="too_many_login_attempts") from None
        try:
            code = super().clean_code()  # type: ignore[misc]
        except ValidationError:
            throttle.login_failed(ip=ip, login=login)
            raise
        throttle.login_succeeded(ip=ip, login=login)
        return str(code)


class MfaAuthenticateForm(_ThrottledCode, AuthenticateForm):
    pass


class MfaReauthenticateForm(_ThrottledCode, ReauthenticateForm):
    pass


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the email"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


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
