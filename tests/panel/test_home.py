"""After signing in, each person lands where they belong: a panelist in their panel, staff in their
console, a person with several places on a page to pick one. The header always leads back there."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.roles import Role
from tests.conftest import login_with_mfa
from tests.factories import PASSWORD, MembershipFactory, PanelistFactory, TenantFactory, UserFactory, activate_totp

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


def test_a_panelist_of_one_panel_lands_in_that_panel() -> None:
    user = UserFactory.create()
    PanelistFactory.create(tenant=TenantFactory.create(slug="riverside"), user=user)
    client = Client()

    landing = client.get(sign_in(client, user.email))

    assert landing.status_code == 302
    assert landing["Location"] == "/t/riverside/home/"
    home = client.get(landing["Location"]).content.decode()
    assert 'data-testid="my-panel"' in home  # the header leads back to the panel
    assert "/accounts/2fa/" not in home  # no "Security" link: panelists have no second factor to manage


def test_a_person_in_two_panels_picks_one() -> None:
    user = UserFactory.create()
    for slug in ("riverside", "hilltop"):
        PanelistFactory.create(tenant=TenantFactory.create(slug=slug, name=slug.title()), user=user)
    client = Client()

    page = client.get(sign_in(client, user.email))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/t/riverside/home/"' in html
    assert 'href="/t/hilltop/home/"' in html
    assert "You are not on the staff" not in html


def test_staff_land_in_their_console_after_the_second_factor() -> None:
    tenant = TenantFactory.create(slug="riverside")
    owner = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=owner, role=Role.OWNER)
    secret = activate_totp(owner)
    client = Client()

    login_with_mfa(client, owner, secret)
    landing = client.get("/")

    assert (landing.status_code, landing["Location"]) == (302, "/t/riverside/console/")
    assert "/accounts/2fa/" in client.get("/t/riverside/console/").content.decode()  # staff see "Security"


def test_someone_in_no_panel_is_told_how_to_join() -> None:
    user = UserFactory.create()
    client = Client()

    page = client.get(sign_in(client, user.email)).content.decode()

    assert "Panels are joined by invitation" in page


def test_a_post_only_address_opened_directly_explains_itself_and_the_language_switch_returns_to_a_page(
    make_staff,
) -> None:
    manager = make_staff(role=Role.MANAGER)
    url = f"/t/{manager.tenant.slug}/console/invitations/import/"

    page = manager.client.get(url, HTTP_REFERER=f"http://testserver/t/{manager.tenant.slug}/console/invitations/")
    direct = manager.client.post(f"/t/{manager.tenant.slug}/console/api-keys/1/revoke/")  # a forbidden POST: 403

    assert page.status_code == 405
    html = page.content.decode()
    assert "This address only takes a form" in html
    assert f'name="next" type="hidden" value="http://testserver/t/{manager.tenant.slug}/console/invitations/"' in html
    assert direct.status_code == 403
    assert f'value="/t/{manager.tenant.slug}/"' in direct.content.decode()  # not the POST-only address


def test_the_sign_in_page_says_how_to_join_not_to_sign_up(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()

    assert "Panels are joined by invitation" in page
    assert "sign up" not in page.lower()


def test_an_internationalised_address_signs_in_and_is_invited() -> None:
    from panel.services.invitations import invitation_create
    from tests.factories import publish

    user = UserFactory.create(email="jürgen.müller@bücher.example")
    tenant = TenantFactory.create(slug="riverside")
    PanelistFactory.create(tenant=tenant, user=user)
    publish(tenant, "membership")
    client = Client()

    landing = client.get(sign_in(client, "Jürgen.Müller@bücher.example"))
    invitation = invitation_create(tenant=tenant, email="ünïcode@bücher.example")

    assert landing["Location"] == "/t/riverside/home/"
    assert invitation.email == "ünïcode@bücher.example"


def test_the_panelists_home_shows_the_balance_what_is_on_its_way_and_the_next_payout() -> None:
    from rewards.services.ledger import panelist_credit
    from rewards.services.settings import reward_settings_update

    user = UserFactory.create()
    tenant = TenantFactory.create(slug="riverside", currency="EUR")
    panelist = PanelistFactory.create(tenant=tenant, user=user)
    reward_settings_update(tenant=tenant, values={"payout_threshold": 1000})
    client = Client()
    client.force_login(user)

    before = client.get("/t/riverside/home/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panelist_credit(panelist=panelist, amount=1250, reason="survey", idempotency_key="s:1")
    after = client.get("/t/riverside/home/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="home-card-wallet"' in before
    assert "Balance: 0.00 EUR" in before
    assert "once it reaches 10.00 EUR" in before
    assert "Balance: 12.50 EUR" in after
    assert "next payout on" in after
