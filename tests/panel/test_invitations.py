"""Invite-only signup: invitations, the age gate, consent at onboarding, races and refusals."""

from __future__ import annotations

import logging
import re
import threading
from datetime import date, timedelta
from urllib.parse import urlsplit

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
FORM = {"password": "a long enough passphrase", "date_of_birth": ADULT, "consent": ["membership"]}


@pytest.fixture
def tenant():
    tenant = TenantFactory.create(slug="riverside", name="Riverside Panel", minimum_age=18)
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    return tenant


def join_urls(tenant) -> tuple[str, str]:
    return f"/t/{tenant.slug}/join/", f"/t/{tenant.slug}/join/accept/"


def open_invitation(client: Client, tenant, token: str):
    """What the join page's script does with the link's fragment: post the token."""
    return client.post(f"/t/{tenant.slug}/join/", {"token": token})


def invite(tenant, email: str = "new.person@example.test", client: Client | None = None) -> tuple[Invitation, Client]:
    """An invitation, and a browser that opened its link."""
    invitation = invitation_create(tenant=tenant, email=email)
    client = client or Client()
    opened = open_invitation(client, tenant, invitation_token(invitation))
    assert (opened.status_code, opened["Location"]) == (302, f"/t/{tenant.slug}/join/")
    return invitation, client


def test_an_invitation_mails_a_link_whose_token_is_not_stored(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="  Someone@Example.TEST ")

    assert invitation_send(invitation_id=invitation.pk)

    token = invitation_token(invitation)
    assert invitation.email == "someone@example.test"
    assert len(mail.outbox) == 1
    assert f"/t/riverside/join/#{token}" in str(mail.outbox[0].body)
    assert token.split(".")[1] not in str(Invitation.objects.unscoped().filter(pk=invitation.pk).values().first())
    assert invitation.expires_at > timezone.now() + timedelta(days=13)


def test_a_person_joins_with_the_age_gate_and_chosen_consents(tenant) -> None:
    invitation, client = invite(tenant)
    join, accept = join_urls(tenant)

    form = client.get(join)
    joined = client.post(accept, {"password": "a long enough passphrase", "date_of_birth": ADULT,
                                  "consent": ["membership", "surveys"]})  # fmt: skip

    assert 'value="new.person@example.test"' in form.content.decode()
    assert joined.status_code == 302
    assert "panel.join_tokens" not in client.session or not client.session["panel.join_tokens"]
    assert joined["Location"] == "/t/riverside/home/"
    panelist = Panelist.objects.unscoped().get(tenant=tenant, user__email="new.person@example.test")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.panelist) == ("accepted", panelist)
    purposes = set(
        ConsentEvent.objects.unscoped().filter(subject=panelist.public_id).values_list("purpose_key", flat=True)
    )
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
    invitation, client = invite(tenant, "young.person@example.test")
    today = timezone.now().date()
    born = today.replace(year=today.year - 15)
    caplog.set_level(logging.DEBUG)

    response = client.post(join_urls(tenant)[1], FORM | {"date_of_birth": born.isoformat()})

    assert response.status_code == 200
    assert "aged 18 or over" in response.content.decode()
    assert not User.objects.filter(email="young.person@example.test").exists()
    assert not Invitation.objects.unscoped().filter(pk=invitation.pk).exists()
    assert not WaitlistEntry.objects.unscoped().filter(tenant=tenant).exists()
    assert not ContactLog.objects.unscoped().filter(tenant=tenant).exists()
    assert not Panelist.objects.unscoped().filter(tenant=tenant).exists()
    assert not ConsentEvent.objects.unscoped().filter(tenant=tenant).exists()
    assert "young.person" not in caplog.text
    assert born.isoformat() not in caplog.text


@pytest.mark.parametrize("state", ["expired", "used", "revoked", "other_tenant", "forged"])
def test_an_unusable_invitation_is_refused_with_a_clear_message(tenant, state) -> None:
    invitation = invitation_create(tenant=tenant, email="new.person@example.test")
    token, where = invitation_token(invitation), tenant
    if state == "expired":
        Invitation.objects.unscoped().filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "used":
        _invitation, first = invite(tenant, "used@example.test")
        token = invitation_token(_invitation)
        first.post(join_urls(tenant)[1], FORM)
    elif state == "revoked":
        Invitation.objects.unscoped().filter(pk=invitation.pk).update(status="revoked", revoked_at=timezone.now())
    elif state == "other_tenant":
        where = TenantFactory.create(slug="elsewhere")
    elif state == "forged":
        token = token[:-4] + "abcd"

    response = open_invitation(Client(), where, token)

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
    invitation, client = invite(tenant)

    response = client.post(join_urls(tenant)[1], post)

    assert response.status_code == 400
    assert field in response.context["errors"]
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not User.objects.filter(email=invitation.email).exists()
    assert not ConsentEvent.objects.unscoped().filter(tenant=tenant).exists()


def test_a_refused_join_form_keeps_what_was_typed_and_ticked(tenant) -> None:
    _invitation, client = invite(tenant)

    response = client.post(
        join_urls(tenant)[1], {"password": "short", "date_of_birth": ADULT, "consent": ["membership", "receipts"]}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert f'value="{ADULT}"' in page
    ticked = set(re.findall(r'<input type="checkbox" name="consent" value="(\w+)"[^>]* checked', page))
    assert ticked == {"membership", "receipts"}
    # the password's error sits in the password's label, next to the field
    assert re.search(r"Choose a password<input[^>]*aria-invalid=\"true\"[^>]*>\s*<small class=\"errorlist\">", page)


def test_one_account_joins_a_second_panel_after_signing_in(tenant) -> None:
    existing = PanelistFactory.create(tenant=TenantFactory.create(slug="first-panel"))
    assert existing.user is not None
    _invitation, client = invite(tenant, existing.user.email)
    join, accept = join_urls(tenant)

    page = client.get(join).content.decode()
    assert "sign in to accept" in page
    assert "?next=/t/riverside/join/" in page  # back to the invitation this browser opened, no token in it
    signed_in = client.post("/accounts/login/", {"login": existing.user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert 'name="password"' not in client.get(join).content.decode()  # the same invitation, signed in
    joined = client.post(accept, {"date_of_birth": ADULT, "consent": ["membership"]})

    assert joined.status_code == 302
    assert Panelist.objects.unscoped().filter(user=existing.user).count() == 2
    assert User.objects.filter(email=existing.user.email).count() == 1


def test_a_full_panel_admits_nobody_more(tenant) -> None:
    tenant.panel_capacity = 1
    tenant.save(update_fields=["panel_capacity"])
    PanelistFactory.create(tenant=tenant)
    _invitation, client = invite(tenant)

    response = client.post(join_urls(tenant)[1], FORM)

    assert response.status_code == 409
    assert Panelist.objects.unscoped().filter(tenant=tenant).count() == 1


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
    assert Panelist.objects.unscoped().filter(tenant=tenant).count() == 1
    assert User.objects.filter(email="racer@example.test").count() == 1


def test_operators_invite_revoke_resend_and_see_the_funnel(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    base = "/t/riverside/console/invitations/"

    manager.client.post(base, {"email": "a@example.test"})
    manager.client.post(base, {"email": "b@example.test"})
    duplicate = manager.client.post(base, {"email": "a@example.test"})
    bad = manager.client.post(base, {"email": "not an email"})
    b = Invitation.objects.unscoped().get(email="b@example.test")
    manager.client.post(f"{base}{b.pk}/revoke/")
    a = Invitation.objects.unscoped().get(email="a@example.test")
    Invitation.objects.unscoped().filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(days=1))
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
    assert not Invitation.objects.unscoped().exists()


def test_the_token_in_the_email_is_the_one_that_works(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="mailed@example.test")
    invitation_send(invitation_id=invitation.pk)
    link = re.search(r"http://\S+/t/riverside/join/#(\S+)", str(mail.outbox[0].body))
    assert link
    client = Client()

    opened = open_invitation(client, tenant, link.group(1))

    assert opened.status_code == 302
    assert 'value="mailed@example.test"' in client.get("/t/riverside/join/").content.decode()


def test_the_invitation_token_never_appears_in_a_url(tenant) -> None:
    """Access logs record request lines (path and query), and browsers send the page's URL as the
    Referer: the token must be in neither, only in a fragment and in POST bodies."""
    invitation = invitation_create(tenant=tenant, email="quiet@example.test")
    invitation_send(invitation_id=invitation.pk)
    token = invitation_token(invitation)
    link = re.search(r"http://\S+/t/riverside/join/\S*", str(mail.outbox[0].body))
    assert link
    assert urlsplit(link.group(0)).fragment == token
    assert token not in urlsplit(link.group(0))._replace(fragment="").geturl()
    client = Client()
    join, accept = join_urls(tenant)

    responses = [
        client.get(join),  # what the browser asks for: the link without its fragment
        open_invitation(client, tenant, token),
        client.get(join),
        client.post(accept, FORM),
    ]

    urls = [r.request["PATH_INFO"] + "?" + r.request.get("QUERY_STRING", "") for r in responses]
    urls += [r["Location"] for r in responses if r.has_header("Location")]
    assert [r.status_code for r in responses] == [200, 302, 200, 302]
    assert all(token not in url and token.split(".")[1] not in url for url in urls), urls
    assert all(token.split(".")[1] not in r.content.decode() for r in responses)  # nor in a page's links


def test_accepting_without_an_opened_invitation_is_refused_with_a_reason(tenant) -> None:
    response = Client().post(
        "/t/riverside/join/accept/", {"password": "a long enough passphrase", "date_of_birth": ADULT}
    )

    assert response.status_code == 410
    assert "Open your invitation from the link in your email first." in response.content.decode()
    assert not User.objects.exists()


def test_the_join_page_without_an_opened_invitation_asks_for_the_link(tenant) -> None:
    page = Client().get("/t/riverside/join/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "data-join-open" in html
    assert "js/join.js" in html


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

    ContactLog.objects.unscoped().filter(tenant=tenant).update(
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
        Invitation.objects.unscoped().filter(pk=invitation.pk).update(
            sent_at=timezone.now() - timedelta(days=30),
            last_reminded_at=None if expected_reminders == 1 else timezone.now() - timedelta(days=4),
        )
        assert invitations_due()[1] == [invitation.pk]
        assert invitation_send(invitation_id=invitation.pk, reminder=True)
        assert Invitation.objects.unscoped().get(pk=invitation.pk).reminders_sent == expected_reminders

    Invitation.objects.unscoped().filter(pk=invitation.pk).update(last_reminded_at=timezone.now() - timedelta(days=10))
    assert invitations_due()[1] == []  # two is the most
    assert "Reminder" in mail.outbox[-1].subject


def test_an_invitation_is_mailed_once_even_if_two_runs_try(tenant) -> None:
    invitation = invitation_create(tenant=tenant, email="once@example.test")

    first = invitation_send(invitation_id=invitation.pk)
    second = invitation_send(invitation_id=invitation.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_odd_tokens_are_refused_not_crashed(tenant) -> None:
    for token in ["².abc", "12345678901234567890123.x", "..", "\x00.1", "", "1." + "a" * 5000]:
        assert open_invitation(Client(), tenant, token).status_code in (400, 410)
