"""A panelist's "My consents": one click to grant or withdraw, a signed receipt, an email copy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from consent.errors import ConsentWithdrawn
from consent.models import ConsentEvent, ConsentReceipt
from consent.receipts import receipt_verify
from consent.services.consent import consent_require
from consent.tasks import consent_receipt_email_send_task
from panel.models import Panelist
from tests.factories import PASSWORD, PanelistFactory, TenantFactory, publish
from tests.redis_contents import celery_messages, redis_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def panelist() -> Panelist:
    tenant = TenantFactory.create(slug="shoppers", name="Shoppers Panel", country="FR")
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    return PanelistFactory.create(tenant=tenant)


@pytest.fixture
def client_of(panelist: Panelist) -> Client:
    client = Client()
    assert panelist.user is not None
    assert client.login(email=panelist.user.email, password=PASSWORD)
    return client


def test_my_consents_shows_each_purpose_in_plain_words(panelist, client_of) -> None:
    html = client_of.get("/t/shoppers/consents/").content.decode()

    for text in ("Panel membership", "Surveys", "Receipts", "Ad verification", "News by email"):
        assert text in html
    assert "Photos of the purchase receipts you upload" in html
    assert "Consent (GDPR Art. 6(1)(a))" in html
    assert html.count('data-status="not_given"') == 5


def test_granting_is_one_click_and_gives_a_signed_receipt(
    panelist, client_of, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_of.post("/t/shoppers/consents/surveys/grant/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'data-status="active"' in response.content.decode()
    event = ConsentEvent.objects.unscoped().get(subject=panelist.public_id)
    assert (event.purpose_key, event.kind, event.method, event.actor) == ("surveys", "grant", "web", "subject")
    consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="surveys")

    receipt = ConsentReceipt.objects.unscoped().get(event=event)
    jwk = client_of.get("/t/shoppers/consents/jwks.json").json()["keys"][0]
    payload = receipt_verify(token=receipt.token, public_jwk=jwk)
    assert payload == receipt.payload
    assert payload["version"] == "KI-CR-v1.1.0"
    assert payload["jurisdiction"] == "FR"
    assert payload["collectionMethod"] == "web form"
    assert payload["consentReceiptID"] == str(receipt.receipt_id)
    assert payload["piiPrincipalId"] == panelist.public_id
    assert payload["piiControllers"][0]["piiController"] == "Shoppers Panel"
    assert payload["policyUrl"].startswith("http://testserver/t/shoppers/consents/documents/surveys/v1/")
    assert payload["services"][0]["purposes"][0]["purposeCategory"] == ["surveys"]
    assert payload["sensitive"] is False
    assert {"language", "consentTimestamp", "spiCat"} <= set(payload)
    assert len(callbacks) == 1  # the email copy is queued once the transaction commits


def test_the_email_copy_carries_the_signed_receipt(panelist) -> None:
    from consent.services.consent import consent_change_by_subject
    from consent.subjects import subject_for

    subject = subject_for(panelist.tenant, panelist.user)
    assert subject is not None
    receipt = consent_change_by_subject(
        subject=subject, purpose_key="receipts", action="grant", method="web", base_url="https://panel.example"
    )

    consent_receipt_email_send_task(receipt.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [subject.email]
    assert "Shoppers Panel" in message.subject
    assert str(receipt.receipt_id) in str(message.body)
    assert [name for name, _content, _type in message.attachments] == [
        f"consent-receipt-{receipt.receipt_id}.json",
        f"consent-receipt-{receipt.receipt_id}.jws",
    ]


def test_the_receipt_email_task_carries_only_the_receipt_id_and_finds_the_address_itself(
    panelist, django_capture_on_commit_callbacks
) -> None:
    from consent.services.consent import consent_change_by_subject
    from consent.services.privacy import membership_erase
    from consent.subjects import subject_for

    subject = subject_for(panelist.tenant, panelist.user)
    assert subject is not None
    queued_before = {m["headers"]["id"] for m in celery_messages()}

    with django_capture_on_commit_callbacks(execute=True):  # publishes to the real broker
        receipt = consent_change_by_subject(
            subject=subject, purpose_key="surveys", action="grant", method="web", base_url="https://panel.example"
        )

    client = redis_client()
    ours = [m for m in celery_messages(client=client) if m["headers"]["id"] not in queued_before]
    for message in ours:
        client.lrem("default", 1, message["raw"])  # no later worker should run it
    assert [(m["headers"]["task"], m["body"][0], m["body"][1]) for m in ours] == [
        ("consent.tasks.consent_receipt_email_send_task", [receipt.pk], {})
    ]
    assert subject.email not in ours[0]["raw"].decode()

    consent_receipt_email_send_task(receipt.pk)
    assert [m.to for m in mail.outbox] == [[subject.email]]  # the address comes from the database

    membership_erase(subject=subject, user=panelist.user)
    consent_receipt_email_send_task(receipt.pk)
    assert len(mail.outbox) == 1  # nobody left to write to


def test_withdrawing_takes_effect_for_the_very_next_request(panelist, client_of) -> None:
    client_of.post("/t/shoppers/consents/surveys/grant/")

    response = client_of.post("/t/shoppers/consents/surveys/withdraw/")

    assert response.status_code == 302
    with pytest.raises(ConsentWithdrawn):
        consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="surveys")
    assert ConsentReceipt.objects.unscoped().filter(subject=panelist.public_id).count() == 2


def test_bad_changes_are_refused_with_a_reason_and_write_nothing(panelist, client_of) -> None:
    url = "/t/shoppers/consents/{}/{}/"

    twice = [client_of.post(url.format("surveys", "grant"), HTTP_HX_REQUEST="true") for _ in range(2)]
    never = client_of.post(url.format("receipts", "withdraw"), HTTP_HX_REQUEST="true")
    unknown = client_of.post(url.format("telepathy", "grant"), HTTP_HX_REQUEST="true")
    nonsense = client_of.post(url.format("surveys", "maybe"), HTTP_HX_REQUEST="true")  # no such action: no such URL

    assert [r.status_code for r in (*twice, never, unknown, nonsense)] == [200, 409, 409, 404, 404]
    assert ConsentEvent.objects.unscoped().filter(subject=panelist.public_id).count() == 1


def test_a_major_version_prompts_for_reconsent_and_shows_what_changed(panelist, client_of) -> None:
    client_of.post("/t/shoppers/consents/surveys/grant/")
    publish(panelist.tenant, "surveys", change="major")

    html = client_of.get("/t/shoppers/consents/").content.decode()

    assert 'data-testid="reconsent-prompt"' in html
    assert 'data-status="reconsent_needed"' in html
    diff = client_of.get("/t/shoppers/consents/documents/surveys/diff/?from=1&to=2&lang=en")
    assert diff.status_code == 200
    client_of.post("/t/shoppers/consents/surveys/grant/")
    assert ConsentEvent.objects.unscoped().filter(subject=panelist.public_id).latest("seq").kind == "reconsent"


def test_a_person_who_is_not_a_panelist_of_this_tenant_gets_404(panelist) -> None:
    other = PanelistFactory.create(tenant=TenantFactory.create())
    client = Client()
    assert other.user is not None
    client.login(email=other.user.email, password=PASSWORD)

    assert client.get("/t/shoppers/consents/").status_code == 404
    assert client.post("/t/shoppers/consents/surveys/grant/").status_code == 404


def test_a_receipt_is_only_its_subjects(panelist, client_of) -> None:
    client_of.post("/t/shoppers/consents/surveys/grant/")
    receipt = ConsentReceipt.objects.unscoped().get()
    intruder = PanelistFactory.create(tenant=panelist.tenant)
    client = Client()
    assert intruder.user is not None
    client.login(email=intruder.user.email, password=PASSWORD)

    assert client_of.get(f"/t/shoppers/consents/receipts/{receipt.receipt_id}/").status_code == 200
    assert client_of.get(f"/t/shoppers/consents/receipts/{receipt.receipt_id}/?format=json").json() == receipt.payload
    assert client.get(f"/t/shoppers/consents/receipts/{receipt.receipt_id}/").status_code == 404


def test_documents_are_rendered_as_sanitised_html(panelist, client) -> None:
    from consent.models import Purpose
    from consent.services.documents import document_publish

    purpose = Purpose.objects.unscoped().get(tenant=panelist.tenant, key="marketing_email")
    body = "# News\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) and **bold**"
    document_publish(purpose=purpose, texts={"en": ("News", body)}, change="major")

    html = client.get("/t/shoppers/consents/documents/marketing_email/v1/?lang=en").content.decode()

    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html  # left as inert text, never a link
