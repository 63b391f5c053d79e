"""A new panel's first run: the console lists what to do before inviting anyone, and refuses to invite
before the membership text exists; owners add and remove staff, who set their own password."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import User
from panel.models import Invitation, WaitlistRelease
from rewards.services.settings import reward_settings_update
from tenants.models import Membership
from tenants.roles import Role
from tenants.services import staff_welcome_send
from tests.factories import TenantFactory, publish

pytestmark = pytest.mark.django_db


def test_a_new_panel_shows_its_first_run_checklist_until_every_step_is_done(make_staff) -> None:
    owner = make_staff(tenant=TenantFactory.create(slug="fresh"), role=Role.OWNER)
    url = "/t/fresh/console/"

    first = owner.client.get(url).content.decode()
    publish(owner.tenant, "membership")
    reward_settings_update(tenant=owner.tenant, values={})
    make_staff(tenant=owner.tenant, role=Role.MANAGER)
    halfway = owner.client.get(url).content.decode()
    publish(owner.tenant, "waitlist")
    done = owner.client.get(url).content.decode()

    assert 'data-testid="first-run-checklist"' in first
    assert first.count('data-step-done="false"') == 4
    assert 'href="/t/fresh/console/purposes/">Publish the membership text' in first
    assert halfway.count('data-step-done="false"') == 1  # only the waitlist is left
    assert 'data-testid="first-run-checklist"' not in done


def test_nobody_is_invited_or_released_before_the_membership_text_exists(make_staff) -> None:
    manager = make_staff(tenant=TenantFactory.create(slug="fresh"), role=Role.MANAGER)

    invited = manager.client.post("/t/fresh/console/invitations/", {"email": "someone@example.test"})
    released = manager.client.post("/t/fresh/console/waitlist/releases/", {"count": "5", "method": "fcfs"})

    assert invited.status_code == 409
    assert "Publish the membership text first" in invited.content.decode()
    assert released.status_code == 409
    assert not Invitation.objects.unscoped().filter(tenant=manager.tenant).exists()
    assert not WaitlistRelease.objects.unscoped().filter(tenant=manager.tenant).exists()


def test_an_owner_adds_staff_who_choose_their_own_password_and_removes_them(
    make_staff, django_capture_on_commit_callbacks
) -> None:
    owner = make_staff(tenant=TenantFactory.create(slug="team", name="Team Panel"), role=Role.OWNER)

    with django_capture_on_commit_callbacks() as enqueued:
        added = owner.client.post("/t/team/console/team/add/", {"email": "New.Person@Example.test", "role": "reviewer"})
    again = owner.client.post("/t/team/console/team/add/", {"email": "new.person@example.test", "role": "manager"})
    bad = owner.client.post("/t/team/console/team/add/", {"email": "nope", "role": "emperor"})

    assert added.status_code == 302
    person = User.objects.get(email="new.person@example.test")
    assert not person.has_usable_password()  # nobody but the mailbox's reader can get in
    membership = Membership.objects.unscoped().get(tenant=owner.tenant, user=person)
    assert membership.role == Role.REVIEWER
    assert len(enqueued) == 1  # the welcome mail goes by Celery, after the commit
    staff_welcome_send(membership_id=membership.pk, added_by_id=owner.user.pk)  # what the task runs
    [welcome] = mail.outbox
    assert welcome.to == ["new.person@example.test"]
    assert "Team Panel" in welcome.subject
    assert "/accounts/password/reset/key/" in welcome.body
    assert again.status_code == 409
    assert bad.status_code == 400
    assert set(bad.context["errors"]) == {"email", "role"}

    removed = owner.client.post(f"/t/team/console/team/{membership.pk}/remove/")
    assert removed.status_code == 302
    assert not Membership.objects.unscoped().filter(pk=membership.pk).exists()


def test_the_last_owner_cannot_be_removed_and_managers_cannot_change_the_team(make_staff) -> None:
    owner = make_staff(tenant=TenantFactory.create(slug="team"), role=Role.OWNER)
    manager = make_staff(tenant=owner.tenant, role=Role.MANAGER)
    own = Membership.objects.unscoped().get(tenant=owner.tenant, user=owner.user)

    last = owner.client.post(f"/t/team/console/team/{own.pk}/remove/")
    by_manager = manager.client.post("/t/team/console/team/add/", {"email": "x@example.test", "role": "owner"})

    assert last.status_code == 409
    assert "needs an owner" in last.content.decode()
    assert Membership.objects.unscoped().filter(pk=own.pk).exists()
    assert by_manager.status_code == 403
