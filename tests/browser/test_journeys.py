"""The journeys of people who used to hit a dead end, in Chromium: a panelist signing in, a new panel's
owner before anything is set up, the language switch on a page that only takes a POST, a release whose
invitations were partly revoked, and an amount typed the French way."""

from __future__ import annotations

import secrets

import pytest
from django.db import transaction
from django.utils import timezone

from panel.models import Invitation, WaitlistEntry
from panel.services.invitations import invitation_revoke
from panel.services.release import waitlist_release
from rewards.models import LedgerTransaction, RewardSettings
from tenants.roles import Role
from tests.browser.helpers import staff_sign_in
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PanelistFactory,
    TenantFactory,
    UserFactory,
    activate_totp,
    publish,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")


def an_owner(tenant):
    owner = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=owner, role=Role.OWNER)
    return owner, activate_totp(owner)


def test_a_panelist_lands_in_their_panel_and_a_person_in_two_picks_one(browser, live_server) -> None:
    # given a panelist of one panel, and a person in two
    riverside = TenantFactory.create(slug="riverside", name="Riverside Panel")
    hillside = TenantFactory.create(slug="hillside", name="Hillside Panel")
    one, both = UserFactory.create(), UserFactory.create()
    PanelistFactory.create(tenant=riverside, user=one)
    PanelistFactory.create(tenant=riverside, user=both)
    PanelistFactory.create(tenant=hillside, user=both)
    page = browser.new_context(locale="en-US").new_page()

    # when the panelist of one panel signs in, they land on its home, with a link back to their panel
    sign_in(page, live_server.url, one.email)
    page.wait_for_url("**/t/riverside/home/")
    assert "Riverside Panel" in page.locator("[data-testid=panelist-home]").inner_text()
    assert page.locator("[data-testid=my-panel]").is_visible()
    assert page.get_by_role("link", name="Security").count() == 0  # two-factor set-up is for staff

    # when the person in two panels signs in, they pick one on the front page
    other = browser.new_context(locale="en-US").new_page()
    sign_in(other, live_server.url, both.email)
    other.wait_for_selector("[data-testid=my-panels]")
    assert other.locator("[data-testid=my-panels] a").all_inner_texts() == ["Hillside Panel", "Riverside Panel"]
    other.click("text=Hillside Panel")
    other.wait_for_url("**/t/hillside/home/")


def test_a_new_panels_owner_follows_the_checklist_before_inviting(browser, live_server) -> None:
    # given a panel just created: no membership text, no pay rates confirmed
    tenant = TenantFactory.create(slug="newpanel", name="New Panel")
    owner, secret = an_owner(tenant)
    page = browser.new_context(locale="en-US").new_page()
    staff_sign_in(page, f"{live_server.url}/t/newpanel/console/", owner.email, secret)

    # then the console lists what to do first
    checklist = page.locator("[data-testid=first-run-checklist]")
    undone = checklist.locator("li[data-step-done=false]").all_inner_texts()
    assert "Publish the membership text" in undone
    assert len(undone) >= 3  # the rewards, the staff and the waitlist wait too

    # when they invite someone anyway, they are told why not, and nothing is sent
    page.goto(f"{live_server.url}/t/newpanel/console/invitations/")
    page.fill("input[name=email]", "first.person@example.test")
    page.click("text=Invite")
    assert "Publish the membership text first" in page.locator("[data-testid=refusal]").inner_text()
    assert not Invitation.objects.for_tenant(tenant).exists()

    # and the public page promises no pay the owner never set
    public = browser.new_context(locale="en-US").new_page()
    public.goto(f"{live_server.url}/t/newpanel/")
    assert public.locator("[data-testid^=pays-]").count() == 0

    # when the membership text is published, the same invitation goes
    publish(tenant, "membership")
    page.reload()
    page.fill("input[name=email]", "first.person@example.test")
    page.click("text=Invite")
    page.wait_for_selector("tr[data-state]")
    assert Invitation.objects.for_tenant(tenant).filter(email="first.person@example.test").exists()


def test_the_language_switch_on_a_post_only_url_returns_to_a_page(browser, live_server) -> None:
    # given an owner who opened a URL that only takes a POST (a link followed, a reload)
    tenant = TenantFactory.create(slug="riverside", name="Riverside Panel")
    publish(tenant, "membership")
    owner, secret = an_owner(tenant)
    page = browser.new_context(locale="en-US").new_page()
    staff_sign_in(page, f"{live_server.url}/t/riverside/console/", owner.email, secret)
    answer = page.goto(f"{live_server.url}/t/riverside/console/waitlist/releases/")
    assert answer is not None
    assert answer.status == 405
    assert page.locator("h1").inner_text() != ""  # a page that says what happened, with the header

    # when they switch to French there
    page.select_option("select[name=language]", "fr")
    page.click(".lang-switch button")

    # then they arrive on a page that answers, in French
    page.wait_for_function("document.documentElement.lang === 'fr'")
    assert page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus") == 200
    assert "/releases/" not in page.url


def test_a_release_with_revoked_invitations_finishes_and_stops_polling(
    browser, live_server, celery_worker_process
) -> None:
    # given twelve people released from the waitlist, three of whose invitations are revoked before mailing
    tenant = TenantFactory.create(slug="riverside", name="Riverside Panel")
    publish(tenant, "membership")
    owner, secret = an_owner(tenant)
    for n in range(12):
        WaitlistEntry.objects.create(
            tenant=tenant, email=f"waiting{n}@example.test", public_id=f"wl_{secrets.token_hex(10)}",
            nonce=secrets.token_hex(16), answers={}, language="en", status=WaitlistEntry.Status.WAITING,
            confirmed_at=timezone.now(),
        )  # fmt: skip
    with transaction.atomic():  # the worker mails what is left once this commits
        release = waitlist_release(tenant=tenant, count=12, method="fcfs", seed=1, created_by=None)
        for invitation in Invitation.objects.for_tenant(tenant).order_by("pk")[:3]:
            invitation_revoke(invitation=invitation)

    # when the owner watches the release on the waitlist page
    page = browser.new_context(locale="en-US").new_page()
    staff_sign_in(page, f"{live_server.url}/t/riverside/console/waitlist/", owner.email, secret)

    # then the progress reaches the end, counts the revoked as finished, and stops asking
    page.wait_for_selector("[data-testid=release-progress][data-done=true]", timeout=60_000)
    progress = page.locator("[data-testid=release-progress]")
    assert "9 of 12 mailed" in progress.inner_text()
    assert "3 revoked before mailing" in progress.inner_text()
    assert progress.get_attribute("hx-get") is None
    assert release.released == 12


def test_a_manager_types_an_amount_the_french_way_and_confirms_a_large_bonus(browser, live_server) -> None:
    # given a manager of a euro panel, with bonuses over 100.00 needing a second confirmation
    tenant = TenantFactory.create(slug="riverside", name="Riverside Panel", currency="EUR")
    manager = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)
    RewardSettings.objects.update_or_create(tenant=tenant, defaults={"bonus_confirm_above": 10000})
    panelist = PanelistFactory.create(tenant=tenant)
    page = browser.new_context(locale="fr-FR").new_page()
    staff_sign_in(page, f"{live_server.url}/t/riverside/console/rewards/", manager.email, secret)
    page.select_option("select[name=language]", "fr")
    page.click(".lang-switch button")
    page.wait_for_function("document.documentElement.lang === 'fr'")

    def post(amount: str, memo: str) -> None:
        page.fill("input[name=panelist]", panelist.public_id)
        page.fill("input[name=amount]", amount)
        page.fill("input[name=memo]", memo)
        page.click("#manual button[type=submit]")
        page.wait_for_load_state()

    # when they type "12,50" (a French decimal comma), 12.50 is posted, not 1,250
    post("12,50", "Merci pour votre aide")
    assert (
        LedgerTransaction.objects.for_tenant(tenant)
        .get(memo="Merci pour votre aide")
        .entries.filter(amount=1250)
        .exists()
    )

    # when they type "1 000" for a bonus, it is over the limit: the form asks again, keeping what was typed
    post("1\u202f000", "Prime exceptionnelle")
    assert page.locator("[data-testid=confirm-large-bonus]").is_visible()
    assert page.locator("input[name=amount]").input_value() == "1\u202f000"
    assert not LedgerTransaction.objects.for_tenant(tenant).filter(memo="Prime exceptionnelle").exists()

    # and once confirmed, 1,000.00 is posted once
    page.check("[data-testid=confirm-large-bonus] input")
    page.click("#manual button[type=submit]")
    page.wait_for_load_state()
    bonus = LedgerTransaction.objects.for_tenant(tenant).get(memo="Prime exceptionnelle")
    assert bonus.entries.filter(amount=100000).exists()
