"""Invite-only signup: invitations, the age gate, consent at onboarding, races and refusals."""

from __future__ import annotations

import logging
import re
import threading
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.models import User
from consent.models import ConsentEvent
from core.errors import DomainError
from panel.models import Invitation, Panelist
from panel.services.invitations import invitation_accept, invitation_create, invitation_send
from panel.tokens import invitation_token
from tenants.roles import Role
from tests.factories import PASSWORD, PanelistFactory, TenantFactory, publish

pytestmark = pytest.mark.django_db
ADULT = date(1990, 5, 17).isoformat()


@pytest.fixture
def tenant():
    tenant = TenantFactory.create(slug="riverside", name="Riverside Panel", minimum_age=18)
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    return tenant


def invite(tenant, email: str = "new.person@example.test") -> tuple[Invitation, str]:
    invitation = invitation_create(tenant=tenant, email=email)
    return invitation, f"/t/{tenant.slug}/join/{invitation_token(invitation)}/"


def test_an_invitation_mails_a_link_whose_token_is_not_stored(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="  Someone@Example.TEST ")

    assert invitation_send(invitation_id=invitation.pk)

    token = invitation_token(invitation)
    assert invitation.email == "someone@example.test"
    assert len(mail.outbox) == 1
    assert f"/t/riverside/join/{token}/" in str(mail.outbox[0].body)
    assert token.split(".")[1] not in str(Invitation.objects.filter(pk=invitation.pk).values().first())
    assert invitation.expires_at > timezone.now() + timedelta(days=13)


def test_a_person_joins_with_the_age_gate_and_chosen_consents(tenant) -> None:
    invitation, url = invite(tenant)
    client = Client()

    form = client.get(url)
    joined = client.post(url, {"password": "a long enough passphrase", "date_of_birth": ADULT,
                               "consent": ["membership", "surveys"]})  # fmt: skip

    assert 'value="new.person@example.test"' in form.content.decode()
    assert joined.status_code == 302
    assert joined["Location"] == "/t/riverside/home/"
    panelist = Panelist.objects.get(tenant=tenant, user__email="new.person@example.test")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.panelist) == ("accepted", panelist)
    purposes = set(ConsentEvent.objects.filter(subject=panelist.public_id).values_list("purpose_key", flat=True))
    assert purposes == {"membership", "surveys"}  # receipts stayed off: optional purposes are opt-in
    assert panelist.user is not None
    assert EmailAddress.objects.get(user=panelist.user).verified
    home = client.get("/t/riverside/home/").content.decode()
    assert 'data-testid="panelist-home"' in home
    assert "Surveys" in home


def test_under_the_minimum_age_nothing_about_the_person_is_kept(tenant, caplog) -> None:
    from panel.contact import contact_record
    from panel.models import ContactLog, WaitlistEntry

    WaitlistEntry.objects.create(tenant=tenant, email="young.person@example.test", public_id="wl_young", nonce="n",
                                 answers={"household": "2"}, status="invited")  # fmt: skip
    contact_record(tenant=tenant, email="young.person@example.test", kind="invitation")
    invitation, url = invite(tenant, "young.person@example.test")
    today = timezone.now().date()
    born = today.replace(year=today.year - 15)
    caplog.set_level(logging.DEBUG)

    response = Client().post(url, {"password": "a long enough passphrase", "date_of_birth": born.isoformat(),
                                   "consent": ["membership"]})  # fmt: skip

    assert response.status_code == 200
    assert "aged 18 or over" in response.content.decode()
    assert not User.objects.filter(email="young.person@example.test").exists()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert not WaitlistEntry.objects.filter(tenant=tenant).exists()
    assert not ContactLog.objects.filter(tenant=tenant).exists()
    assert not Panelist.objects.filter(tenant=tenant).exists()
    assert not ConsentEvent.objects.filter(tenant=tenant).exists()
    assert "young.person" not in caplog.text
    assert born.isoformat() not in caplog.text


@pytest.mark.parametrize("state", ["expired", "used", "revoked", "other_tenant", "forged"])
def test_an_unusable_invitation_is_refused_with_a_clear_message(tenant, state) -> None:
    invitation, url = invite(tenant)
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "used":
        Client().post(url, {"password": "a long enough passphrase", "date_of_birth": ADULT, "consent": ["membership"]})
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(status="revoked", revoked_at=timezone.now())
    elif state == "other_tenant":
        other = TenantFactory.create(slug="elsewhere")
        url = url.replace("/t/riverside/", f"/t/{other.slug}/")
    elif state == "forged":
        url = url[:-5] + "abcd/"

    response = Client().get(url)

    expected = {"expired": "has expired", "used": "already been used", "revoked": "withdrawn by the panel",
                "other_tenant": "not valid", "forged": "not valid"}[state]  # fmt: skip
    assert response.status_code == 410
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"password": "a long enough passphrase", "date_of_birth": ADULT, "consent": ["surveys"]}, "membership"),
        ({"password": "short", "date_of_birth": ADULT, "consent": ["membership"]}, "password"),
        (
            {"password": "a long enough passphrase", "date_of_birth": "17/05/1990", "consent": ["membership"]},
            "date_of_birth",
        ),
        (
            {"password": "a long enough passphrase", "date_of_birth": "2999-01-01", "consent": ["membership"]},
            "date_of_birth",
        ),
    ],
)
def test_bad_onboarding_input_is_refused_and_writes_nothing(tenant, post, field) -> None:
    invitation, url = invite(tenant)

    response = Client().post(url, post)

    assert response.status_code == 400
    assert field in response.context["errors"]
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not User.objects.filter(email=invitation.email).exists()
    assert not ConsentEvent.objects.filter(tenant=tenant).exists()


def test_one_account_joins_a_second_panel_after_signing_in(tenant) -> None:
    existing = PanelistFactory.create(tenant=TenantFactory.create(slug="first-panel"))
    assert existing.user is not None
    _invitation, url = invite(tenant, existing.user.email)
    client = Client()

    assert "sign in to accept" in client.get(url).content.decode()
    client.login(email=existing.user.email, password=PASSWORD)
    joined = client.post(url, {"date_of_birth": ADULT, "consent": ["membership"]})

    assert joined.status_code == 302
    assert Panelist.objects.filter(user=existing.user).count() == 2
    assert User.objects.filter(email=existing.user.email).count() == 1


def test_a_full_panel_admits_nobody_more(tenant) -> None:
    tenant.panel_capacity = 1
    tenant.save(update_fields=["panel_capacity"])
    PanelistFactory.create(tenant=tenant)
    _invitation, url = invite(tenant)

    response = Client().post(
        url, {"password": "a long enough passphrase", "date_of_birth": ADULT, "consent": ["membership"]}
    )

    assert response.status_code == 409
    assert Panelist.objects.filter(tenant=tenant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_signups_racing_on_one_token_make_one_panelist() -> None:
    tenant = TenantFactory.create(slug="racing")
    publish(tenant, "membership")
    invitation = invitation_create(tenant=tenant, email="racer@example.test")
    token = invitation_token(invitation)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def accept() -> None:
        barrier.wait()
        try:
            invitation_accept(tenant=tenant, token=token, date_of_birth=date(1990, 1, 1), consents=["membership"],
                              language="en", password="a long enough passphrase")  # fmt: skip
            outcomes.append("joined")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("joined") == 1
    assert set(outcomes) - {"joined"} <= {"invitation_used", "sign_in_first"}
    assert Panelist.objects.filter(tenant=tenant).count() == 1
    assert User.objects.filter(email="racer@example.test").count() == 1


def test_operators_invite_revoke_resend_and_see_the_funnel(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    base = "/t/riverside/console/invitations/"

    manager.client.post(base, {"email": "a@example.test"})
    manager.client.post(base, {"email": "b@example.test"})
    duplicate = manager.client.post(base, {"email": "a@example.test"})
    bad = manager.client.post(base, {"email": "not an email"})
    b = Invitation.objects.get(email="b@example.test")
    manager.client.post(f"{base}{b.pk}/revoke/")
    a = Invitation.objects.get(email="a@example.test")
    Invitation.objects.filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(days=1))
    manager.client.post(f"{base}{a.pk}/resend/")

    # A refused form answers with its error's own status: a conflict (already invited) is a 409, bad input a 400.
    assert (duplicate.status_code, bad.status_code) == (409, 400)
    a.refresh_from_db()
    assert a.expires_at > timezone.now()  # resending renews the validity
    funnel = manager.client.get(base).context["funnel"]
    assert funnel == {"sent": 2, "accepted": 0, "pending": 1, "expired": 0, "revoked": 1}


def test_reviewers_and_auditors_cannot_invite(make_staff, tenant) -> None:
    for role in (Role.REVIEWER, Role.AUDITOR):
        staff = make_staff(tenant=tenant, role=role)
        assert staff.client.post("/t/riverside/console/invitations/", {"email": "x@example.test"}).status_code == 403
    assert not Invitation.objects.exists()


def test_the_token_in_the_email_is_the_one_that_works(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="mailed@example.test")
    invitation_send(invitation_id=invitation.pk)
    path = re.search(r"(/t/riverside/join/[^/\s]+/)", str(mail.outbox[0].body))
    assert path

    assert Client().get(path.group(1)).status_code == 200


def test_the_contact_cap_defers_an_invitation_without_losing_it(tenant) -> None:
    from panel.contact import contact_record
    from panel.selectors import invitations_due

    tenant.contact_cap = 2
    tenant.save(update_fields=["contact_cap"])
    for _ in range(2):
        contact_record(tenant=tenant, email="busy@example.test", kind="survey_invitation")
    invitation = invitation_create(tenant=tenant, email="busy@example.test")

    assert invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []
    assert invitations_due()[0] == [invitation.pk]  # still due: a later run sends it

    from panel.models import ContactLog

    ContactLog.objects.filter(tenant=tenant).update(
        sent_at=timezone.now() - timedelta(days=tenant.contact_period_days + 1)
    )
    assert invitation_send(invitation_id=invitation.pk) is True
    assert invitations_due()[0] == []


def test_at_most_two_reminders_with_the_tenants_gap(tenant) -> None:
    from panel.selectors import invitations_due

    invitation = invitation_create(tenant=tenant, email="slow@example.test")
    invitation_send(invitation_id=invitation.pk)
    assert invitations_due()[1] == []  # too soon

    for expected_reminders in (1, 2):
        Invitation.objects.filter(pk=invitation.pk).update(
            sent_at=timezone.now() - timedelta(days=30),
            last_reminded_at=None if expected_reminders == 1 else timezone.now() - timedelta(days=4),
        )
        assert invitations_due()[1] == [invitation.pk]
        assert invitation_send(invitation_id=invitation.pk, reminder=True)
        assert Invitation.objects.get(pk=invitation.pk).reminders_sent == expected_reminders

    Invitation.objects.filter(pk=invitation.pk).update(last_reminded_at=timezone.now() - timedelta(days=10))
    assert invitations_due()[1] == []  # two is the most
    assert "Reminder" in mail.outbox[-1].subject


def test_an_invitation_is_mailed_once_even_if_two_runs_try(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="once@example.test")

    first = invitation_send(invitation_id=invitation.pk)
    second = invitation_send(invitation_id=invitation.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_odd_tokens_are_refused_not_crashed(tenant) -> None:
    for token in ["%C2%B2.abc", "12345678901234567890123.x", "..", "%00.1"]:
        assert Client().get(f"/t/riverside/join/{token}/").status_code in (404, 410)
