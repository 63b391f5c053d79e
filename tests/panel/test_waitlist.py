"""The waitlist: double opt-in, anti-abuse, status and leaving; releases by three methods."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consent.models import ConsentEvent
from panel.models import Invitation, ScreeningQuestion, WaitlistEntry, WaitlistRelease
from panel.services.release import waitlist_release
from tenants.roles import Role
from tests.factories import PanelistFactory, TenantFactory, publish

pytestmark = pytest.mark.django_db


def make_tenant(slug: str = "greenfield", capacity: int = 10_000):
    tenant = TenantFactory.create(slug=slug, name="Greenfield Panel", panel_capacity=capacity)
    publish(tenant, "waitlist")
    publish(tenant, "membership")
    ScreeningQuestion.objects.create(
        tenant=tenant, key="gender", labels={"en": "Gender"}, choices=["female", "male", "other"]
    )
    ScreeningQuestion.objects.create(tenant=tenant, key="birth_year", labels={"en": "Year of birth"}, kind="number",
                                     minimum=1900, maximum=2015, position=1)  # fmt: skip
    return tenant


@pytest.fixture
def tenant():
    return make_tenant()


def join(client: Client, email: str, gender: str = "female", **extra: str):
    data = {"email": email, "q_gender": gender, "q_birth_year": "1985", "agree": "yes"} | extra
    return client.post("/t/greenfield/", data, REMOTE_ADDR=extra.get("ip", "203.0.113.7"))


def link_in(message, kind: str) -> str:
    found = re.search(rf"(/t/greenfield/waitlist/{kind}/[^/\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_double_opt_in_then_status_then_leaving(tenant) -> None:
    client = Client()

    joined = join(client, "Ana@Example.test ")
    entry = WaitlistEntry.objects.unscoped().get(tenant=tenant)
    assert 'data-testid="check-email"' in joined.content.decode()
    assert (entry.email, entry.status, entry.answers) == (
        "ana@example.test",
        "unconfirmed",
        {"gender": "female", "birth_year": 1985},
    )
    confirm = link_in(mail.outbox[0], "confirm")
    assert 'data-testid="confirm"' in client.get(confirm).content.decode()  # a GET confirms nothing
    assert WaitlistEntry.objects.unscoped().get(pk=entry.pk).status == "unconfirmed"

    client.post(confirm)

    entry.refresh_from_db()
    assert entry.status == "waiting"
    grant = ConsentEvent.objects.unscoped().get(tenant=tenant, subject=entry.public_id)
    assert (grant.purpose_key, grant.kind) == ("waitlist", "grant")
    status = link_in(mail.outbox[-1], "status")
    assert 'data-state="waiting"' in client.get(status).content.decode()

    left = client.post(status.replace("/status/", "/leave/"))

    assert 'data-testid="left"' in left.content.decode()
    assert not WaitlistEntry.objects.unscoped().filter(pk=entry.pk).exists()
    assert ConsentEvent.objects.unscoped().filter(subject=entry.public_id).latest("seq").kind == "withdraw"
    assert client.get(status).status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_email_is_listed(tenant) -> None:
    first = join(Client(), "same@example.test")
    second = join(Client(), "SAME@example.test", gender="male")

    def page(response) -> str:  # the same page, but for the per-visitor CSRF token
        return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())

    assert page(first) == page(second)
    assert WaitlistEntry.objects.unscoped().filter(tenant=tenant).count() == 1
    assert len(mail.outbox) == 2  # the second mail goes to the address itself, never to the asker


def test_the_honeypot_is_answered_like_anyone_and_stores_nothing(tenant) -> None:
    response = join(Client(), "bot@example.test", website="http://spam.example")

    assert 'data-testid="check-email"' in response.content.decode()
    assert not WaitlistEntry.objects.unscoped().exists()
    assert mail.outbox == []


def test_joins_are_limited_per_ip_and_per_email(tenant) -> None:
    statuses = [join(Client(), f"p{n}@example.test", ip="198.51.100.1").status_code for n in range(11)]
    per_email = [join(Client(), "again@example.test", ip=f"192.0.2.{n}").status_code for n in range(4)]

    assert statuses == [200] * 10 + [429]
    assert per_email == [200, 200, 200, 429]


def test_bad_answers_are_refused_with_reasons_and_write_nothing(tenant) -> None:
    response = Client().post(
        "/t/greenfield/", {"email": "x@example.test", "q_gender": "robot", "q_birth_year": "1850", "agree": "yes"}
    )
    no_agree = Client().post("/t/greenfield/", {"email": "y@example.test", "q_gender": "male", "q_birth_year": "1980"})

    assert response.status_code == 400
    assert set(response.context["errors"]) == {"gender", "birth_year"}
    assert no_agree.status_code == 400
    assert not WaitlistEntry.objects.unscoped().exists()


def test_unconfirmed_requests_are_purged_after_seven_days(tenant) -> None:
    join(Client(), "late@example.test")
    join(Client(), "recent@example.test")
    WaitlistEntry.objects.unscoped().filter(email="late@example.test").update(
        created_at=timezone.now() - timedelta(days=8)
    )

    call_command("privacy_purge", "--tenant", "greenfield")

    assert list(WaitlistEntry.objects.unscoped().values_list("email", flat=True)) == ["recent@example.test"]


def fill(tenant, females: int, males: int) -> None:
    now = timezone.now()
    for n in range(females + males):
        WaitlistEntry.objects.create(
            tenant=tenant, email=f"w{n}@example.test", public_id=f"wl_{tenant.pk}_{n}", nonce="n",
            answers={"gender": "female" if n < females else "male", "birth_year": 1980 + n % 30},
            status="waiting", confirmed_at=now + timedelta(seconds=n),
        )  # fmt: skip


def test_first_come_first_served_takes_the_oldest_and_invites_in_batches(
    tenant, django_capture_on_commit_callbacks
) -> None:
    fill(tenant, 700, 0)

    with django_capture_on_commit_callbacks() as callbacks:
        release = waitlist_release(tenant=tenant, count=600, method="fcfs", created_by=None)

    invited = set(WaitlistEntry.objects.unscoped().filter(status="invited").values_list("email", flat=True))
    assert invited == {f"w{n}@example.test" for n in range(600)}
    assert Invitation.objects.unscoped().filter(tenant=tenant, source="waitlist").count() == 600
    assert (release.released, release.method, release.note) == (600, "fcfs", "")
    assert len(callbacks) == 2  # batches of 500


def test_a_release_larger_than_the_list_takes_what_exists_and_says_so(tenant) -> None:
    fill(tenant, 3, 2)

    release = waitlist_release(tenant=tenant, count=50, method="random", created_by=None)

    assert release.released == 5
    assert "only 5 people matched" in release.note


def test_a_release_never_exceeds_the_remaining_capacity() -> None:
    tenant = make_tenant("small-panel", capacity=10)
    PanelistFactory.create_batch(6, tenant=tenant)
    fill(tenant, 20, 0)

    release = waitlist_release(tenant=tenant, count=20, method="fcfs", created_by=None)

    assert release.released == 4
    assert "room for 4 more" in release.note


def test_the_same_seed_repeats_the_same_random_selection() -> None:
    a, b = make_tenant("seed-a"), make_tenant("seed-b")
    fill(a, 30, 30)
    fill(b, 30, 30)

    waitlist_release(tenant=a, count=10, method="random", seed=4242, created_by=None)
    waitlist_release(tenant=b, count=10, method="random", seed=4242, created_by=None)

    picked_a = sorted(
        WaitlistEntry.objects.unscoped().filter(tenant=a, status="invited").values_list("email", flat=True)
    )
    picked_b = sorted(
        WaitlistEntry.objects.unscoped().filter(tenant=b, status="invited").values_list("email", flat=True)
    )
    assert picked_a == picked_b
    assert len(picked_a) == 10


def test_a_quota_release_matches_the_targets_as_closely_as_the_list_allows(tenant) -> None:
    fill(tenant, 80, 20)
    targets = {"gender": {"female": 0.5, "male": 0.5}}

    balanced = waitlist_release(tenant=tenant, count=40, method="quota", targets=targets, created_by=None)
    short = waitlist_release(tenant=tenant, count=20, method="quota", targets=targets, created_by=None)

    assert balanced.achieved == {"gender": {"female": 0.5, "male": 0.5}}
    assert short.achieved == {"gender": {"female": 1.0}}  # no men left: the list decides
    assert WaitlistRelease.objects.unscoped().filter(tenant=tenant).count() == 2


def test_the_console_filters_counts_and_releases(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    fill(tenant, 6, 4)

    page = manager.client.get("/t/greenfield/console/waitlist/?f_gender=male")
    released = manager.client.post(
        "/t/greenfield/console/waitlist/releases/?f_gender=male", {"count": "3", "method": "fcfs", "seed": "7"}
    )
    bad = manager.client.post(
        "/t/greenfield/console/waitlist/releases/", {"count": "3", "method": "quota", "targets": "gender=female:70"}
    )

    assert page.context["matching"] == 4
    assert released.status_code == 302
    release = WaitlistRelease.objects.unscoped().get(tenant=tenant)
    assert (release.seed, release.filters, release.released, release.created_by) == (
        7,
        {"gender": "male"},
        3,
        manager.user,
    )
    assert bad.status_code == 400
    assert "add up to 100" in bad.content.decode()


def test_the_status_page_tells_invited_and_expired(tenant) -> None:
    client = Client()
    join(client, "status@example.test")
    client.post(link_in(mail.outbox[0], "confirm"))
    status = link_in(mail.outbox[-1], "status")
    waitlist_release(tenant=tenant, count=1, method="fcfs", created_by=None)

    invited = client.get(status).content.decode()
    Invitation.objects.unscoped().update(expires_at=timezone.now() - timedelta(days=1))
    expired = client.get(status).content.decode()

    assert 'data-state="invited"' in invited
    assert 'data-state="expired"' in expired


def test_the_console_shows_how_far_a_release_has_been_mailed(make_staff, tenant) -> None:
    from panel.services.invitations import invitation_send

    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    fill(tenant, 4, 0)
    release = waitlist_release(tenant=tenant, count=4, method="fcfs", created_by=None)
    url = f"/t/greenfield/console/waitlist/releases/{release.pk}/progress/"

    before = manager.client.get(url).content.decode()
    for invitation in release.invitations.order_by("id")[:3]:
        invitation_send(invitation_id=invitation.pk)
    after = manager.client.get(url).content.decode()
    other = make_staff(role=Role.OWNER)

    assert 'data-sent="0"' in before
    assert 'hx-trigger="every 2s"' in before
    assert 'data-sent="3"' in after
    assert "3 of 4 mailed" in after
    assert other.client.get(url.replace("greenfield", other.tenant.slug)).status_code == 404


def test_operators_add_screening_questions_to_the_form(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = "/t/greenfield/console/waitlist/questions/"

    pets = {"label_en": "Pets at home", "label_fr": "Animaux", "kind": "choice", "choices": "none, cat, dog"}
    added = manager.client.post(url, {"key": "pets", **pets})
    duplicate = manager.client.post(url, {"key": "pets", "label_en": "Pets", "kind": "choice", "choices": "a,b"})
    one_choice = manager.client.post(url, {"key": "car", "label_en": "Car", "kind": "choice", "choices": "yes"})

    assert (added.status_code, duplicate.status_code, one_choice.status_code) == (302, 400, 400)
    assert ScreeningQuestion.objects.unscoped().get(tenant=tenant, key="pets").choices == ["none", "cat", "dog"]
    assert 'name="q_pets"' in Client().get("/t/greenfield/").content.decode()


def test_quota_targets_can_be_age_bands_from_the_year_of_birth(tenant) -> None:
    from panel.services.release import release_targets_parse

    fill(tenant, 60, 0)  # birth years 1980..2009
    targets = release_targets_parse("birth_year=1980-1989:50, birth_year=1990-2009:50")

    release = waitlist_release(tenant=tenant, count=20, method="quota", targets=targets, seed=3, created_by=None)

    assert release.achieved == {"birth_year": {"1980-1989": 0.5, "1990-2009": 0.5}}


def test_people_already_invited_or_members_are_skipped_not_picked_again(tenant) -> None:
    from panel.services.invitations import invitation_create

    fill(tenant, 3, 0)
    invitation_create(tenant=tenant, email="w0@example.test")  # invited directly meanwhile

    first = waitlist_release(tenant=tenant, count=1, method="fcfs", created_by=None)
    second = waitlist_release(tenant=tenant, count=1, method="fcfs", created_by=None)

    invited = sorted(WaitlistEntry.objects.unscoped().filter(status="invited").values_list("email", flat=True))
    assert (first.released, second.released) == (1, 1)
    assert invited == ["w1@example.test", "w2@example.test"]


def test_bad_release_input_is_a_400_not_a_500(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = "/t/greenfield/console/waitlist/"

    huge = manager.client.post(url + "releases/", {"count": "99999999999999999999", "method": "fcfs"})
    too_many = manager.client.post(url + "releases/", {"count": "5000000", "method": "fcfs"})
    bad_filter = manager.client.get(url + "?f_birth_year=%C2%B2")

    assert (huge.status_code, too_many.status_code, bad_filter.status_code) == (400, 400, 400)
    assert not WaitlistRelease.objects.unscoped().exists()


def test_a_release_partly_revoked_before_mailing_finishes_and_stops_polling(make_staff, tenant) -> None:
    from panel.services.invitations import invitation_revoke, invitation_send

    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    fill(tenant, 4, 0)
    release = waitlist_release(tenant=tenant, count=4, method="fcfs", created_by=None)
    url = f"/t/greenfield/console/waitlist/releases/{release.pk}/progress/"
    first, *rest = release.invitations.order_by("id")

    # when one invitation is revoked before the batches mail it, and the batches mail the others
    invitation_revoke(invitation=first)
    for invitation in rest:
        invitation_send(invitation_id=invitation.pk)
    page = manager.client.get(url).content.decode()

    # then the release counts as finished: "3 of 4 mailed · 1 revoked", and it polls no more
    assert 'data-done="true"' in page
    assert "3 of 4 mailed" in page
    assert "1 revoked before mailing" in page
    assert "hx-trigger" not in page


def test_only_valid_requests_count_against_the_limit_per_network(tenant) -> None:
    # given someone on one network who gets the form wrong eleven times
    mistakes = [join(Client(), "not an address", ip="198.51.100.9").status_code for _ in range(11)]

    # when they get it right
    right = join(Client(), "finally@example.test", ip="198.51.100.9")

    # then each mistake was a 400 with its reason, and the right one goes through
    assert mistakes == [400] * 11
    assert right.status_code == 200
    assert WaitlistEntry.objects.unscoped().filter(email="finally@example.test").exists()


def test_a_refused_form_keeps_what_was_typed_and_puts_each_error_by_its_question(tenant) -> None:
    response = Client().post(
        "/t/greenfield/",
        {"email": "kept@example.test", "q_gender": "male", "q_birth_year": "1850", "agree": "yes"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="kept@example.test"' in html
    assert '<option value="male" selected>' in html
    assert 'name="q_birth_year" value="1850"' in html
    assert 'name="agree" value="yes" required checked' in html
    # the error stands under the question it is about, named by its label, never by its key
    year = html[html.index("Year of birth") : html.index('name="agree"')]
    assert "Enter a number from 1900 to 2015." in year
    assert "birth_year:" not in html


def test_an_internationalised_address_joins_the_waitlist(tenant) -> None:
    response = join(Client(), "Jürgen.Müller@Bücher.example")

    assert response.status_code == 200
    entry = WaitlistEntry.objects.unscoped().get(tenant=tenant)
    assert entry.email == "jürgen.müller@bücher.example"
    assert mail.outbox[-1].to == ["jürgen.müller@bücher.example"]


def test_the_landing_page_names_data_and_retention_in_plain_words(tenant) -> None:
    html = Client().get("/t/greenfield/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "your survey answers" in html
    assert "Kept for 2 years" in html
    assert "Kept for 3 months" in html  # ad verification: 90 days
    assert "survey_answers" not in html
    assert "730" not in html
