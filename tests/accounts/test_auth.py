"""Email login with mandatory verification, password reset, and TOTP before the console (the limits on
failed sign-ins: test_throttle.py; the set-up of TOTP: test_mfa_enrolment.py)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from tenants.roles import Role
from tests.conftest import enrol_totp, login_with_mfa, totp_now
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory, activate_totp

pytestmark = pytest.mark.django_db


def test_staff_without_totp_are_sent_to_set_it_up_before_any_console_page(client: Client) -> None:
    tenant = TenantFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=user, role=Role.OWNER)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    response = client.get(f"/t/{tenant.slug}/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


@pytest.mark.django_db(transaction=True)  # allauth records the activation once it commits
def test_activating_totp_opens_the_console(client: Client) -> None:
    tenant = TenantFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=user, role=Role.OWNER)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    enrol_totp(client, user)  # the emailed code, then allauth's activation (tests/accounts/test_mfa_enrolment.py)

    assert client.get(f"/t/{tenant.slug}/console/").status_code == 200


def test_a_session_that_skipped_the_second_factor_must_give_it(client: Client) -> None:
    tenant = TenantFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=user, role=Role.OWNER)
    activate_totp(user)
    client.force_login(user)  # a session without the "mfa" authentication record

    response = client.get(f"/t/{tenant.slug}/console/")
    api = client.get("/api/v1/tenant/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_required"


def test_password_then_totp_opens_the_console(client: Client) -> None:
    tenant = TenantFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=user, role=Role.OWNER)
    secret = activate_totp(user)

    login_with_mfa(client, user, secret)

    assert client.get(f"/t/{tenant.slug}/console/").status_code == 200


def test_a_wrong_totp_code_does_not_sign_in(client: Client) -> None:
    user = UserFactory.create()
    secret = activate_totp(user)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    wrong = f"{(int(totp_now(secret)) + 1) % 1_000_000:06d}"

    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_unverified_email_cannot_sign_in(client: Client) -> None:
    user = UserFactory.create(verified=False)

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert user.email in mail.outbox[0].to


def test_login_is_by_email_case_insensitively(client: Client) -> None:
    user = UserFactory.create(email="mixed@example.test")

    response = client.post("/accounts/login/", {"login": "MIXED@Example.TEST", "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_password_reset_mails_a_link_that_sets_a_new_password(client: Client) -> None:
    user = UserFactory.create()

    client.post("/accounts/password/reset/", {"email": user.email})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    )
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


def test_signup_is_closed(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {"email": "new@example.test", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert not User.objects.filter(email="new@example.test").exists()
    assert "Sign Up Closed" in response.content.decode()


def test_the_admin_signs_in_through_allauth_and_requires_totp(client: Client) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/accounts/login/?next=/admin/"

    client.force_login(admin)  # password only, no second factor
    to_totp = client.get("/admin/login/?next=/admin/")
    assert to_totp["Location"].startswith("/accounts/2fa/totp/activate/")
    assert client.get("/admin/").status_code == 302


def test_a_platform_admin_with_totp_reaches_the_admin(client: Client) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    secret = activate_totp(admin)

    login_with_mfa(client, admin, secret)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tenants/tenant/").status_code == 200


def test_a_person_who_is_not_a_platform_admin_is_refused_the_admin(client: Client) -> None:
    user = UserFactory.create()
    secret = activate_totp(user)
    login_with_mfa(client, user, secret)

    assert client.get("/admin/login/").status_code == 403
