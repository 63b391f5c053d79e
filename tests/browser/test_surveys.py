"""The survey journey in Chromium, with the manager on a desktop and on a phone: a manager builds a
survey with a logic rule, a screen-out and a quota, publishes it and sends it (a real worker mails the
invitations); two panelists open it on a phone: one is screened out, the other completes and finds
the reward in the wallet; the manager reads the results chart and downloads the CSV and the .sav,
which pyreadstat reads back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyreadstat
import pytest
from django.utils import timezone

from consent.services.consent import consent_grant
from surveys.models import Survey
from surveys.selectors import version_latest
from surveys.services.authoring import survey_create
from tenants.roles import Role
from tests.browser.helpers import ON_DESKTOP_AND_PHONE, assert_fits_the_screen, staff_sign_in
from tests.factories import PASSWORD, MembershipFactory, PanelistFactory, TenantFactory, UserFactory, activate_totp
from tests.factories import publish as publish_purpose
from tests.surveys.helpers import (
    consenting_panelist,
    live_survey,
    panel_with_surveys,
    screening_questions,
    with_screening,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def add_question(console, kind: str, name: str, title: str, *, choices: str = "", page: str = "",
                 logic: str = "") -> None:  # fmt: skip
    form = console.locator("[data-testid=question-add]")
    form.locator("select[name=type]").select_option(kind)
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=choices]").fill(choices)
    if page:
        form.locator("input[name=page]").fill(page)
    if logic:
        form.locator("[data-testid=logic-input]").press_sequentially(logic)
        form.locator(".logic").get_by_text("Valid.").wait_for()  # checked live, as it is typed
    form.locator("[data-testid=question-add-submit]").click()
    console.wait_for_selector(f"article[data-question={name}]")


def answer_on_a_phone(browser, base: str, survey: Survey, panelist, answers: list[dict[str, str]]):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/t/{survey.tenant.slug}/surveys/{survey.pk}/")
    page.fill("input[name=login]", panelist.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.click("[data-testid=survey-start]")
    for fields in answers:
        page.wait_for_selector("[data-testid=survey-page]")
        assert_fits_the_screen(page)
        for name, value in fields.items():
            if page.locator(f"select[name={name}]").count():
                page.select_option(f"select[name={name}]", value)
            else:
                page.check(f"input[name={name}][value='{value}']")
        page.click("[data-testid=survey-next]")
    page.wait_for_selector("[data-testid=survey-end]")
    return context, page


@ON_DESKTOP_AND_PHONE
def test_a_survey_is_built_sent_answered_paid_and_exported(
    browser, live_server, celery_worker_process, screenshot_dir: Path, tmp_path: Path, device, viewport
) -> None:
    slug = f"breakfast-{device}"
    tenant = TenantFactory.create(slug=slug, name="Breakfast Panel", currency="EUR")
    publish_purpose(tenant, "surveys")
    screened, completer = PanelistFactory.create_batch(2, tenant=tenant)
    for panelist in (screened, completer):
        consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="surveys", language="en",
                      method="web", actor="subject")  # fmt: skip
    manager = UserFactory.create(email=f"manager-{device}@breakfast.test")
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)
    staff = browser.new_context(viewport=viewport, locale="en-US", accept_downloads=True)
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/{slug}/console/surveys/", manager.email, secret)

    # 1. build: three questions (one shown only if the first says yes), a screen-out, a quota
    console.fill("input[name=title]", "Breakfast")
    console.click("[data-testid=survey-create]")
    console.wait_for_selector("[data-testid=question-add]")
    add_question(console, "radiogroup", "eats", "Do you eat breakfast?", choices="yes\nno")
    add_question(console, "dropdown", "region", "Where do you live?", choices="north\nsouth")
    add_question(console, "rating", "nps", "How likely are you to recommend it?", page="page2",
                 logic="{eats} = 'yes'")  # fmt: skip
    console.click("text=Raw SurveyJS JSON: edit or import")
    definition = json.loads(console.locator("textarea[name=definition]").input_value())
    definition["triggers"] = [{"type": "complete", "expression": "{eats} = 'no'"}]
    console.fill("textarea[name=definition]", json.dumps(definition))
    console.click("text=Save the draft")
    console.wait_for_selector("text=The draft is saved.")
    quota = console.locator("[data-testid=quota-add]")
    quota.locator("select[name=question_a]").select_option("region")
    quota.locator("input[name=value_a]").fill("north")
    quota.locator("input[name=limit]").fill("5")
    quota.locator("button[type=submit]").click()
    console.wait_for_selector("[data-testid=quota-row]")
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"survey-authoring-{device}.png"), full_page=True)

    # 2. publish and send to everyone eligible; the worker mails them
    console.click("[data-testid=survey-publish]")
    console.wait_for_selector("text=Version 1 is published.")
    console.wait_for_selector("[data-testid=eligible-count][data-count='2']")
    console.locator("[data-testid=wave-create] select[name=method]").select_option("all")
    console.click("[data-testid=wave-submit]")
    console.wait_for_selector("text=2 panelists invited")
    survey = Survey.objects.for_tenant(tenant).get()
    for _ in range(60):
        console.reload()
        if console.locator("[data-testid=progress-sent]").inner_text() == "2":
            break
        console.wait_for_timeout(500)
    assert console.locator("[data-testid=progress-sent]").inner_text() == "2"

    # 3. on a phone: one panelist is screened out, the other completes and is paid
    context, page = answer_on_a_phone(browser, live_server.url, survey, screened, [{"eats": "no", "region": "south"}])
    assert page.locator("[data-testid=survey-end]").get_attribute("data-status") == "screened_out"
    context.close()
    context, page = answer_on_a_phone(browser, live_server.url, survey, completer,
                                      [{"eats": "yes", "region": "north"}, {"nps": "9"}])  # fmt: skip
    end = page.locator("[data-testid=survey-end]")
    assert (end.get_attribute("data-status"), end.get_attribute("data-review")) == ("completed", "approved")
    assert "0.50 EUR" in end.inner_text()
    page.screenshot(path=str(screenshot_dir / f"survey-end-{device}.png"), full_page=True)
    page.goto(f"{live_server.url}/t/{slug}/wallet/")
    assert page.locator("[data-testid=balance]").count() == 1, page.content()[:3000]
    assert page.locator("[data-testid=balance]").inner_text() == "0.50 EUR"
    assert page.get_by_text("Survey: Breakfast").count() >= 1
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"survey-wallet-{device}.png"), full_page=True)
    context.close()

    # 4. results: the chart, the CSV and the .sav
    console.goto(f"{live_server.url}/t/{slug}/console/surveys/{survey.pk}/results/")
    console.wait_for_selector("[data-testid=chart-region] svg")
    assert console.locator("[data-testid=count-completed]").inner_text() == "1"
    assert console.locator("[data-testid=count-screened_out]").inner_text() == "1"
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"survey-results-{device}.png"), full_page=True)
    with console.expect_download() as csv_download:
        console.click("[data-testid=download-csv]")
    csv_path = tmp_path / "responses.csv"
    csv_download.value.save_as(csv_path)
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert sorted((row["status"], row["region"]) for row in rows) == [("completed", "north"), ("screened_out", "south")]
    with console.expect_download() as sav_download:
        console.click("[data-testid=download-sav]")
    sav_path = tmp_path / "responses.sav"
    sav_download.value.save_as(sav_path)
    frame, meta = pyreadstat.read_sav(str(sav_path))
    assert len(frame) == 2
    assert meta.variable_value_labels["region"] == {1.0: "north", 2.0: "south"}
    assert dict(zip(meta.column_names, meta.column_labels, strict=True))["eats"] == "Do you eat breakfast?"
    assert sorted(frame["nps"].dropna().tolist()) == [9.0]
    staff.close()


def test_a_manager_sets_logic_with_the_form_and_writes_the_french_texts(
    browser, live_server, screenshot_dir: Path
) -> None:
    # given a draft with a yes/no question, a 0-10 rating and an open question, on a desktop
    tenant = TenantFactory.create(slug="logic-form", name="Logic Panel")
    manager = UserFactory.create(email="manager@logic.test")
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)
    survey = survey_create(tenant=tenant, title="Breakfast", definition={"pages": [
        {"name": "p1", "elements": [
            {"type": "radiogroup", "name": "eats", "title": "Do you eat breakfast?", "choices": ["yes", "no"]},
            {"type": "rating", "name": "nps", "title": "Would you recommend it?", "rateMin": 0, "rateMax": 10},
            {"type": "comment", "name": "why", "title": "Why?"},
        ]},
    ]})  # fmt: skip
    staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/{tenant.slug}/console/surveys/{survey.pk}/", manager.email, secret)

    # when the manager builds "shown if {nps} >= 9" with the form: the value offered follows the question
    why = console.locator("article[data-question=why]")
    why.get_by_text("Add a condition with a form").click()
    builder = why.locator("[data-testid=logic-builder]")
    builder.locator("select[name=ref]").select_option("nps")
    why.locator("[data-testid=logic-builder] select[name=value] option[value='10']").wait_for(state="attached")
    builder.locator("select[name=op]").select_option("greaterorequal")
    why.locator("[data-testid=logic-builder] select[name=op] option[value=greaterorequal][selected]").wait_for(
        state="attached"
    )
    builder.locator("select[name=value]").select_option("9")
    why.locator("[data-testid=logic-expression]", has_text="{nps} >= 9").wait_for()
    assert builder.locator("[data-testid=logic-check]").get_attribute("data-ok") == "true"
    builder.locator("[data-testid=logic-add]").click()
    console.locator("article[data-question=why] header code", has_text="{nps} >= 9").wait_for()

    # and adds "and {eats} = 'yes'" to it, then sets "required only if" by hand, checked as it is typed
    why = console.locator("article[data-question=why]")
    why.get_by_text("Add a condition with a form").click()
    why.locator("[data-testid=logic-builder] select[name=ref]").select_option("eats")
    why.locator("[data-testid=logic-expression]", has_text="{nps} >= 9 and {eats} = 'yes'").wait_for()
    # caret="initial": hiding the caret would set a style attribute on each input, which the CSP refuses
    console.screenshot(path=str(screenshot_dir / "survey-logic-form-desktop.png"), full_page=True, caret="initial")
    why.locator("[data-testid=logic-add]").click()
    console.locator("article[data-question=why] header code", has_text="{nps} >= 9 and {eats} = 'yes'").wait_for()
    why = console.locator("article[data-question=why]")
    why.get_by_text("Enable or require only if…").click()
    why.locator("input[name=requiredIf]").press_sequentially("{eat} = 'yes'")
    why.locator(".logic").get_by_text("Unknown question: eat").wait_for()
    why.locator("input[name=requiredIf]").fill("")
    why.locator("input[name=requiredIf]").press_sequentially("{eats} = 'yes'")
    why.locator(".logic").get_by_text("Valid.").wait_for()
    why.get_by_role("button", name="Save", exact=True).click()
    console.locator("article[data-question=why] header code", has_text="{eats} = 'yes'").nth(1).wait_for()

    # and writes the yes/no question and its answers in French, which the French preview shows
    eats = console.locator("article[data-question=eats]")
    eats.get_by_text("Texts in each language").click()
    eats.locator("input[name='title.fr']").fill("Prenez-vous un petit-déjeuner ?")
    eats.locator("input[name='choices.0.fr']").fill("Oui")
    eats.locator("input[name='choices.1.fr']").fill("Non")
    eats.locator("[data-testid=texts-save]").click()
    console.locator(
        "article[data-question=eats] input[name='title.fr'][value='Prenez-vous un petit-déjeuner ?']"
    ).wait_for(state="attached")
    console.goto(f"{live_server.url}/t/{tenant.slug}/console/surveys/{survey.pk}/preview/p1/?lang=fr")
    preview = console.locator("[data-testid=preview]")
    assert "Prenez-vous un petit-déjeuner ?" in preview.inner_text()
    assert "Oui" in preview.inner_text()

    # then the draft holds the expressions and the localisable texts, as SurveyJS writes them
    questions = {q["name"]: q for q in version_latest(survey=survey).definition["pages"][0]["elements"]}
    assert questions["why"]["visibleIf"] == "{nps} >= 9 and {eats} = 'yes'"
    assert questions["why"]["requiredIf"] == "{eats} = 'yes'"
    assert questions["eats"]["title"] == {"default": "Do you eat breakfast?", "fr": "Prenez-vous un petit-déjeuner ?"}
    assert questions["eats"]["choices"] == [
        {"value": "yes", "text": {"default": "yes", "fr": "Oui"}},
        {"value": "no", "text": {"default": "no", "fr": "Non"}},
    ]
    staff.close()


def test_the_eligible_count_follows_the_targeting_filters_as_they_are_chosen(browser, live_server) -> None:
    # given three panelists who joined from the waitlist: 30 and 22 in the north, 60 in the south
    tenant = panel_with_surveys()
    screening_questions(tenant)
    year = timezone.now().astimezone(tenant.tzinfo).year
    for age, region in ((30, "north"), (22, "north"), (60, "south")):
        with_screening(consenting_panelist(tenant), region=region, birth_year=year - age, household=2)
    survey = live_survey(tenant)
    manager = UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)
    staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/{tenant.slug}/console/surveys/{survey.pk}/", manager.email, secret)
    console.wait_for_selector("[data-testid=eligible-count][data-count='3']")

    # when the manager ticks a region, then types an age, the count follows before anything is sent
    console.check("input[name=f_region][value=north]")
    console.wait_for_selector("[data-testid=eligible-count][data-count='2']")
    console.locator("input[name=f_age_min]").press_sequentially("25")
    console.wait_for_selector("[data-testid=eligible-count][data-count='1']")
    assert "Age (from the year of birth): 25 or more · Region: North" in console.locator("#eligible").inner_text()
    console.click("[data-testid=wave-submit]")

    # then the wave invites that one panelist and records its filters
    console.wait_for_selector("text=1 panelists invited")
    assert "25 or more · Region: North" in console.locator("[data-testid=wave-row]").inner_text()
    staff.close()
