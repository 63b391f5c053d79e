"""The whole way in: join the waitlist, confirm, get released by an operator, accept the invitation,
pass the age gate, consent, and land on the panelist's home, on a phone and on a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from panel.models import Invitation, Panelist, ScreeningQuestion, WaitlistEntry
from panel.services.invitations import invitation_send
from panel.tokens import invitation_token
from tenants.roles import Role
from tests.browser.helpers import assert_fits_the_screen, staff_sign_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory, activate_totp, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        if found := re.search(pattern, str(message.body)):
            return found.group(0)
    raise AssertionError(f"no email with {pattern}")


@pytest.mark.parametrize(
    ("device", "viewport"), [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_from_the_waitlist_to_the_panelist_home(browser, live_server, screenshot_dir: Path, device, viewport) -> None:
    tenant = TenantFactory.create(slug="meadow", name="Meadow Panel")
    for key in ("waitlist", "membership", "surveys", "receipts"):
        publish(tenant, key)
    ScreeningQuestion.objects.create(tenant=tenant, key="household", labels={"en": "People in your household"},
                                     choices=["1", "2", "3+"])  # fmt: skip
    email = f"journey-{device}@example.test"
    person = browser.new_context(viewport=viewport, locale="en-US")
    page = person.new_page()

    # 1. a person joins the waitlist from the panel's landing page
    page.goto(f"{live_server.url}/t/meadow/")
    page.fill("input[name=email]", email)
    page.select_option("select[name=q_household]", "2")
    page.check("input[name=agree]")
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"journey-1-landing-{device}.png"), full_page=True)
    page.click("[data-testid=join-waitlist]")
    page.wait_for_selector("[data-testid=check-email]")

    # 2. they confirm from the email
    page.goto(live_server.url + link(r"/t/meadow/waitlist/confirm/[^/\s]+/"))
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=confirmed]")
    assert WaitlistEntry.objects.unscoped().get(tenant=tenant, email=email).status == "waiting"

    # 3. an operator releases them
    manager = UserFactory.create(email=f"manager-{device}@meadow.test")
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)
    staff = browser.new_context(viewport=viewport, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/meadow/console/waitlist/", manager.email, secret)
    console.fill("input[name=count]", "5")
    console.select_option("select[name=method]", "fcfs")
    console.click("[data-testid=release]")
    console.wait_for_selector("text=Released 1 of 5")
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"journey-3-release-{device}.png"), full_page=True)
    staff.close()

    # 4. they accept the invitation, pass the age gate, consent, and land on their home page
    invitation = Invitation.objects.unscoped().get(tenant=tenant, email=email)
    invitation_send(invitation_id=invitation.pk)  # what the Celery batch does
    token = invitation_token(invitation)
    sent: list[str] = []  # every request line and Referer the browser sends: what an access log sees
    page.on("request", lambda request: sent.extend([request.url, request.headers.get("referer", "")]))
    page.goto(live_server.url + link(r"/t/meadow/join/#\S+"))
    page.wait_for_selector("[data-testid=join]")
    assert page.locator("input[type=email]").input_value() == email
    assert "#" not in page.url  # the token left the address bar and the history too
    page.fill("input[name=password]", "a long enough passphrase")
    page.fill("input[name=date_of_birth]", "1988-04-02")
    page.check("[data-purpose=membership] input")
    page.check("[data-purpose=surveys] input")
    assert not page.locator("[data-purpose=receipts] input").is_checked()  # optional purposes start off
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"journey-4-join-{device}.png"), full_page=True)
    page.click("[data-testid=join]")
    page.wait_for_selector("[data-testid=panelist-home]")
    assert sent
    assert [line for line in sent if token.split(".")[1] in line] == []
    assert "Surveys" in page.content()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"journey-5-home-{device}.png"), full_page=True)
    person.close()

    panelist = Panelist.objects.unscoped().get(tenant=tenant, user__email=email)
    assert Invitation.objects.unscoped().get(pk=invitation.pk).panelist == panelist
