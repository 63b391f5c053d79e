"""accounts' URLs, under /accounts/ in front of allauth's: the emailed code that opens the set-up of a
second factor, and allauth's TOTP activation behind it (the same path as allauth's, which it shadows)."""

from django.urls import URLPattern, URLResolver, path

from accounts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("2fa/totp/activate/", views.totp_activate, name="accounts_totp_activate"),
    path("2fa/email-code/", views.mfa_email_code, name="accounts_mfa_email_code"),
    path("2fa/email-code/send/", views.mfa_email_code_send, name="accounts_mfa_email_code_send"),
    path("2fa/email-code/verify/", views.mfa_email_code_verify, name="accounts_mfa_email_code_verify"),
]
