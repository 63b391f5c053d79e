"""Screening answers read in the person's language: the values stay what is stored and filtered on."""

from __future__ import annotations

import pytest
from django.test import Client

from panel.models import ScreeningQuestion, WaitlistEntry
from panel.services.demo import CHOICE_LABELS, QUESTIONS
from tenants.roles import Role
from tests.factories import TenantFactory, publish

pytestmark = pytest.mark.django_db

QUESTIONS_URL = "/t/greenfield/console/waitlist/questions/"


@pytest.fixture
def tenant():
    tenant = TenantFactory.create(slug="greenfield", name="Greenfield Panel", languages=["en", "fr"])
    publish(tenant, "waitlist")
    publish(tenant, "membership")
    return tenant


def add_shopping_question(client: Client):
    return client.post(
        QUESTIONS_URL,
        {
            "key": "shopping",
            "label_en": "Where you shop most",
            "label_fr": "Où vous faites le plus vos achats",
            "kind": "choice",
            "choices": "supermarket, online",
            "choice_labels_en": "Supermarket, Online",
            "choice_labels_fr": "Supermarché, En ligne",
        },
    )


def test_an_operator_labels_the_answers_per_language_and_french_people_read_them(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)

    added = add_shopping_question(manager.client)

    assert added.status_code == 302
    question = ScreeningQuestion.objects.unscoped().get(tenant=tenant, key="shopping")
    assert question.choices == ["supermarket", "online"]
    assert question.choice_labels == {
        "supermarket": {"en": "Supermarket", "fr": "Supermarché"},
        "online": {"en": "Online", "fr": "En ligne"},
    }
    french = Client().get("/t/greenfield/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = Client().get("/t/greenfield/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="supermarket">Supermarché</option>' in french
    assert '<option value="online">En ligne</option>' in french
    assert '<option value="supermarket">Supermarket</option>' in english


def test_labels_that_do_not_match_the_answers_are_refused_and_nothing_is_written(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)

    refused = manager.client.post(
        QUESTIONS_URL,
        {"key": "shopping", "label_en": "Where you shop most", "kind": "choice", "choices": "supermarket, online",
         "choice_labels_fr": "Supermarché"},
    )  # fmt: skip

    assert refused.status_code == 400
    assert "Give one label for each of the 2 answers" in refused.content.decode()
    assert not ScreeningQuestion.objects.unscoped().filter(tenant=tenant).exists()


def test_a_question_without_labels_shows_its_values(tenant) -> None:
    ScreeningQuestion.objects.create(tenant=tenant, key="pets", labels={"en": "Pets"}, choices=["cat", "dog"])

    french = Client().get("/t/greenfield/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<option value="cat">cat</option>' in french


def test_the_console_filters_and_counts_answers_by_their_labels(make_staff, tenant) -> None:
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    add_shopping_question(manager.client)
    for n, answer in enumerate(["supermarket", "supermarket", "online"]):
        WaitlistEntry.objects.create(tenant=tenant, email=f"p{n}@example.test", public_id=f"wl_{n}", nonce="n",
                                     answers={"shopping": answer}, status="waiting")  # fmt: skip

    page = manager.client.get("/t/greenfield/console/waitlist/?f_shopping=online", HTTP_ACCEPT_LANGUAGE="fr")

    html = page.content.decode()
    assert page.context["matching"] == 1
    assert '<option value="online" selected>En ligne</option>' in html
    assert "<li>En ligne: 1</li>" in html
    assert "Où vous faites le plus vos achats" in html


def test_a_french_person_with_a_wrong_answer_reads_the_reason_in_french(tenant) -> None:
    ScreeningQuestion.objects.create(
        tenant=tenant, key="shopping", labels={"en": "Where you shop most", "fr": "Où vous faites le plus vos achats"},
        choices=["supermarket", "online"],
        choice_labels={"supermarket": {"fr": "Supermarché"}, "online": {"fr": "En ligne"}},
    )  # fmt: skip

    response = Client().post(
        "/t/greenfield/",
        {"email": "lea@example.test", "q_shopping": "marché", "agree": "yes"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez l’une de ces réponses : Supermarché, En ligne." in html
    assert 'value="lea@example.test"' in html


def test_the_demo_labels_every_word_answer_in_french() -> None:
    words = [value for _key, _labels, choices in QUESTIONS for value in choices if not value.isdigit()]

    assert all(CHOICE_LABELS[value].get("fr") for value in words)
