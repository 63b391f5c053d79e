"""Staff two-factor is bound to the person: setting it up needs a code mailed to the account's verified
address, typed in the same session; the account is told; recovery codes come with it."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.selectors import ENROLMENT_PASSED_SESSION_KEY, enrolment_code_key
from accounts.tasks import security_notice_send_task
from tenants.roles import Role
from tests.conftest import enrol_totp, mailed_enrolment_code, totp_now
from tests.enqueued import broker_take
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


NOTICE = "accounts.tasks.security_notice_send_task"


def notices_to(user) -> list[tuple]:
    """The security notices for ``user`` waiting on the real broker (taken off it)."""
    return [args for args, _raw in broker_take(NOTICE) if args[0] == user.pk]


def signed_in_owner(client: Client):
    tenant = TenantFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=user, role=Role.OWNER)
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return tenant, user


def test_the_totp_set_up_refuses_a_session_that_has_not_typed_the_emailed_code(client: Client) -> None:
    # given staff signed in with the password only (someone who knows it, perhaps)
    tenant, user = signed_in_owner(client)

    # when they are sent to set up TOTP, or post an activation straight away
    to_setup = client.get(f"/t/{tenant.slug}/console/")
    page = client.get(to_setup["Location"])
    posted = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})

    # then the code step comes first, and nothing is enrolled
    assert to_setup["Location"].startswith("/accounts/2fa/totp/activate/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/2fa/email-code/?next=")
    assert posted["Location"].startswith("/accounts/2fa/email-code/")
    assert not Authenticator.objects.filter(user=user).exists()
    assert "Send a code to p" in client.get(page["Location"]).content.decode()


@pytest.mark.django_db(transaction=True)  # allauth records the activation, and sends its signals, on commit
def test_staff_set_up_totp_with_the_code_mailed_to_their_address_and_are_told(client: Client) -> None:
    tenant, user = signed_in_owner(client)

    # the code goes to the account's verified address
    sent = client.post("/accounts/2fa/email-code/send/", {"next": f"/t/{tenant.slug}/console/"})
    assert sent.status_code == 302
    [message] = mail.outbox
    assert message.to == [user.email]
    code = mailed_enrolment_code(user.email)
    assert re.fullmatch(r"\d{8}", code)
    page = client.get(sent["Location"]).content.decode()
    assert "We sent a code to p•••@example.test" in page
    assert 'name="code"' in page

    # typed in the same session, it opens allauth's activation (with the QR code)
    verified = client.post("/accounts/2fa/email-code/verify/", {"code": code, "next": f"/t/{tenant.slug}/console/"})
    assert verified["Location"] == f"/accounts/2fa/totp/activate/?next=%2Ft%2F{tenant.slug}%2Fconsole%2F"
    reauthenticate = client.get("/accounts/2fa/totp/activate/")  # allauth's own check before a security change
    assert reauthenticate["Location"].startswith("/accounts/reauthenticate/")
    client.post(reauthenticate["Location"], {"password": PASSWORD})
    activation = client.get("/accounts/2fa/totp/activate/")
    assert activation.status_code == 200
    assert "data:image/svg+xml;base64," in activation.content.decode()
    secret = activation.context["form"].secret

    # the app's code activates TOTP; the account is mailed a notice by a worker, ids only in the message
    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    [(args, raw)] = [(args, raw) for args, raw in broker_take(NOTICE) if args[0] == user.pk]
    assert args == (user.pk, "totp_added", "en")
    assert user.email.encode() not in raw
    assert security_notice_send_task(*args) is True
    assert mail.outbox[-1].to == [user.email]
    assert mail.outbox[-1].subject.endswith("Two-factor authentication was set up on your account")

    # and the console opens; the pass of the emailed code is spent
    assert client.get(f"/t/{tenant.slug}/console/").status_code == 200
    assert ENROLMENT_PASSED_SESSION_KEY not in client.session


def test_the_code_works_once_in_the_session_that_asked_for_it(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    elsewhere = Client()
    elsewhere.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/email-code/send/")
    code = mailed_enrolment_code(user.email)

    # another session (who knows the password, not the mailbox) cannot use it
    stolen = elsewhere.post("/accounts/2fa/email-code/verify/", {"code": code})
    assert stolen.status_code == 400
    assert "No code is waiting for this session" in stolen.content.decode()
    assert elsewhere.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/2fa/email-code/")

    # the session that asked uses it once
    assert client.post("/accounts/2fa/email-code/verify/", {"code": code}).status_code == 302
    again = client.post("/accounts/2fa/email-code/verify/", {"code": code})
    assert again.status_code == 400
    assert "No code is waiting for this session, or it has expired." in again.content.decode()


def test_five_wrong_codes_spend_the_code(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    client.post("/accounts/2fa/email-code/send/")
    code = mailed_enrolment_code(user.email)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    statuses = [client.post("/accounts/2fa/email-code/verify/", {"code": wrong}).status_code for _ in range(5)]
    spent = client.post("/accounts/2fa/email-code/verify/", {"code": code})

    assert statuses == [400] * 5
    assert spent.status_code == 429
    assert "Too many wrong codes. Send a new one." in spent.content.decode()
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/2fa/email-code/")


def test_a_new_code_waits_a_minute_and_only_its_hash_is_kept_for_ten_minutes(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    client.post("/accounts/2fa/email-code/send/")
    code = mailed_enrolment_code(user.email)

    again = client.post("/accounts/2fa/email-code/send/")

    assert again.status_code == 429
    assert "A code was sent less than a minute ago." in again.content.decode()
    assert len(mail.outbox) == 1
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    key = cache.make_key(enrolment_code_key(user_pk=user.pk))
    assert 590 <= redis.ttl(key) <= 600
    everything = b"".join(redis.get(k) or b"" for k in redis.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    assert code.encode() not in everything


def test_the_pass_of_the_code_lasts_ten_minutes(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    client.post("/accounts/2fa/email-code/send/")
    client.post("/accounts/2fa/email-code/verify/", {"code": mailed_enrolment_code(user.email)})
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")

    session = client.session
    session[ENROLMENT_PASSED_SESSION_KEY] = session[ENROLMENT_PASSED_SESSION_KEY] | {"until": time.time() - 1}
    session.save()

    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/2fa/email-code/")


@pytest.mark.django_db(transaction=True)
def test_staff_get_recovery_codes_at_set_up_and_can_sign_in_with_one_once(client: Client) -> None:
    tenant, user = signed_in_owner(client)
    enrol_totp(client, user)

    # the codes are shown right after the set-up, and again from the Security page
    shown = client.get("/accounts/2fa/recovery-codes/")
    codes = list(shown.context["unused_codes"])
    assert len(codes) == 10
    assert all(re.fullmatch(r"\d{8}", c) for c in codes)
    assert codes[0] in shown.content.decode()
    assert 'href="/accounts/2fa/recovery-codes/"' in client.get("/accounts/2fa/").content.decode()

    # signing in with one instead of the app's code opens the console
    client.post("/accounts/logout/")
    stranger = Client()
    stranger.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert stranger.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert stranger.get(f"/t/{tenant.slug}/console/").status_code == 200

    # and the same code never works twice
    again = Client()
    again.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert again.get(f"/t/{tenant.slug}/console/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_staff_can_replace_their_recovery_codes_and_are_told(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    enrol_totp(client, user)
    old = list(client.get("/accounts/2fa/recovery-codes/").context["unused_codes"])
    notices_to(user)  # the notice of the set-up

    replaced = client.post("/accounts/2fa/recovery-codes/generate/")

    assert replaced["Location"] == "/accounts/2fa/recovery-codes/"
    new = list(client.get("/accounts/2fa/recovery-codes/").context["unused_codes"])
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    [args] = notices_to(user)
    assert args == (user.pk, "recovery_codes_regenerated", "en")
    assert security_notice_send_task(*args) is True
    assert "New recovery codes were made" in str(mail.outbox[-1].body)
    other = Client()
    other.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert other.post("/accounts/2fa/authenticate/", {"code": old[0]}).status_code == 200  # the old ones are void


@pytest.mark.django_db(transaction=True)
def test_removing_totp_mails_a_notice(client: Client) -> None:
    _tenant, user = signed_in_owner(client)
    enrol_totp(client, user)
    notices_to(user)  # the notice of the set-up

    removed = client.post("/accounts/2fa/totp/deactivate/")

    assert removed.status_code == 302
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    [args] = notices_to(user)
    assert args == (user.pk, "totp_removed", "en")
    assert security_notice_send_task(*args) is True
    assert mail.outbox[-1].subject.endswith("Two-factor authentication was removed from your account")
