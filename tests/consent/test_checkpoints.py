"""Checkpoints of the consent chain, kept outside the database by auditors: signed, downloadable, mailed,
and what ``consent_verify --checkpoint`` compares the log with, so that a rewrite with recomputed
hashes, which the chain alone cannot see, is caught."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from config.celery import app
from consent.chain import HASHED_FIELDS, event_hash
from consent.models import ConsentChain, ConsentEvent
from consent.receipts import receipt_verify
from consent.selectors import chain_verify
from consent.services.checkpoints import checkpoint_email_send, checkpoint_email_send_all, checkpoint_issue
from consent.services.consent import consent_grant, consent_withdraw
from consent.services.privacy import privacy_purge
from consent.tasks import checkpoint_email_send_all_task
from tenants.roles import Role
from tenants.services import api_key_create
from tests.conftest import owner_cursor
from tests.consent.evidence import append_at, years_ago
from tests.factories import MembershipFactory, TenantFactory, UserFactory, publish

pytestmark = pytest.mark.django_db


def grant(tenant, subject: str) -> ConsentEvent:
    return consent_grant(tenant=tenant, subject=subject, purpose_key="surveys", language="en", method="web", actor="s")


@pytest.fixture
def auditor(make_staff):
    auditor = make_staff(role=Role.AUDITOR)
    publish(auditor.tenant, "surveys")
    for subject in ("pn_a", "pn_b", "pn_c"):
        grant(auditor.tenant, subject)
    return auditor


def saved(document: dict, tmp_path: Path) -> str:
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_an_auditor_downloads_a_signed_checkpoint_from_the_console_and_the_api(auditor, make_staff) -> None:
    tenant = auditor.tenant
    head = ConsentChain.objects.get(tenant=tenant)

    download = auditor.client.get(f"/t/{tenant.slug}/console/consent/checkpoint.json")
    key = api_key_create(tenant=tenant, name="audit", role=Role.AUDITOR, created_by=None).key
    from_api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/consent/checkpoint/")
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    stranger = make_staff(role=Role.AUDITOR)  # an auditor of another panel

    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="consent-checkpoint-{tenant.slug}-3.json"'
    document = json.loads(download.content)
    payload = document["checkpoint"]
    assert (payload["tenant"], payload["seq"], payload["hash"]) == (tenant.slug, 3, head.last_hash)
    # signed with the tenant's key, the one its JWKS publishes
    jwk = Client().get(f"/t/{tenant.slug}/consents/jwks.json").json()["keys"][0]
    assert receipt_verify(token=document["jws"], public_jwk=jwk) == payload
    assert from_api.status_code == 200
    assert from_api.json()["checkpoint"]["seq"] == 3
    assert manager.client.get(f"/t/{tenant.slug}/console/consent/checkpoint.json").status_code == 403
    assert stranger.client.get(f"/t/{tenant.slug}/console/consent/checkpoint.json").status_code == 404


def test_consent_verify_proves_the_log_extends_a_checkpoint_through_a_purge(tmp_path, capsys) -> None:
    tenant = TenantFactory.create(slug="checked")
    publish(tenant, "surveys")
    append_at(tenant, years_ago(10), "pn_x", "grant")
    append_at(tenant, years_ago(9), "pn_y", "grant")
    checkpoint = saved(checkpoint_issue(tenant=tenant), tmp_path)  # at #2, pn_y's grant
    append_at(tenant, years_ago(8), "pn_y", "withdraw")
    grant(tenant, "pn_z")

    privacy_purge(tenant=tenant)  # pn_y's grant, superseded 8 years ago, goes: #2 is a seal now
    assert not ConsentEvent.objects.unscoped().filter(tenant=tenant, seq=2).exists()
    call_command("consent_verify", "--checkpoint", checkpoint)

    assert "checked: the log extends the checkpoint of event #2" in capsys.readouterr().out


def test_a_checkpoint_changed_after_it_was_signed_proves_nothing(auditor, tmp_path) -> None:
    document = checkpoint_issue(tenant=auditor.tenant)
    document["checkpoint"]["seq"] = 2

    with pytest.raises(CommandError, match="signature is not the tenant's, or the file was changed"):
        call_command("consent_verify", "--checkpoint", saved(document, tmp_path))
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(CommandError, match="not a checkpoint file"):
        call_command("consent_verify", "--checkpoint", str(tmp_path / "junk.json"))


@pytest.mark.django_db(transaction=True)
def test_a_rewrite_with_recomputed_hashes_fools_the_chain_but_not_the_checkpoint(tmp_path) -> None:
    # given a log of four events, and a checkpoint of it an auditor keeps
    tenant = TenantFactory.create(slug="rewritten")
    publish(tenant, "surveys")
    for subject in ("pn_a", "pn_b", "pn_c"):
        grant(tenant, subject)
    consent_withdraw(tenant=tenant, subject="pn_a", purpose_key="surveys", method="web", actor="s")
    checkpoint = saved(checkpoint_issue(tenant=tenant), tmp_path)

    # when someone with SQL access (the owner's password, or a superuser's) turns pn_b's grant into a
    # withdrawal and recomputes every hash after it, and the chain head
    events = list(
        ConsentEvent.objects.unscoped().filter(tenant=tenant).order_by("seq").values("id", *HASHED_FIELDS, "hash")
    )
    prev = events[0]["hash"]
    with owner_cursor() as cursor, cursor.connection.transaction():
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE consent_consentevent DISABLE TRIGGER USER")
        for event in events[1:]:
            if event["subject"] == "pn_b":
                event["kind"] = "withdraw"
            event["prev_hash"] = prev
            prev = event_hash(tenant.pk, event)
            cursor.execute(
                "UPDATE consent_consentevent SET kind = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [event["kind"], event["prev_hash"], prev, event["id"]],
            )
        cursor.execute("ALTER TABLE consent_consentevent ENABLE TRIGGER USER")
        cursor.execute("UPDATE consent_consentchain SET last_hash = %s WHERE tenant_id = %s", [prev, tenant.pk])

    # then the chain alone still holds, but the checkpoint shows the log was rewritten
    assert chain_verify(tenant=tenant).ok
    with pytest.raises(CommandError, match=r"event #4 no longer has the hash the checkpoint recorded \(the log was"):
        call_command("consent_verify", "--checkpoint", checkpoint)


@pytest.mark.django_db(transaction=True)
def test_auditors_get_checkpoints_by_email_from_a_task_that_carries_ids_only() -> None:
    tenant = TenantFactory.create(slug="mailed", name="Mailed Panel")
    publish(tenant, "surveys")
    grant(tenant, "pn_a")
    auditors = [UserFactory.create(email=f"auditor-{n}@example.test") for n in range(2)]
    for user in auditors:
        MembershipFactory.create(tenant=tenant, user=user, role=Role.AUDITOR)
    MembershipFactory.create(tenant=tenant, role=Role.MANAGER)
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("default")  # type: ignore[attr-defined]

    # the beat task (weekly by default) queues one message per tenant, after the commit, naming the
    # tenant by its id
    assert settings.CELERY_BEAT_SCHEDULE["consent-checkpoints"]["task"] == checkpoint_email_send_all_task.name
    assert checkpoint_email_send_all() == 1
    with app.connection_for_write() as conn:
        raw = conn.default_channel.client.lrange("default", 0, -1)  # type: ignore[attr-defined]
        conn.default_channel.client.delete("default")  # type: ignore[attr-defined]
    messages = [json.loads(message) for message in raw]
    assert [m["headers"]["task"] for m in messages] == ["consent.tasks.checkpoint_email_send_task"]
    args, kwargs, _embed = json.loads(base64.b64decode(messages[0]["body"]))
    assert (args, kwargs) == ([tenant.pk], {})

    # and the task mails each auditor (only them) the signed checkpoint
    assert checkpoint_email_send(tenant_id=tenant.pk) == 2
    (message,) = mail.outbox
    assert sorted(message.to) == [user.email for user in auditors]
    assert "Mailed Panel" in message.subject
    (filename, content, _type) = message.attachments[0]
    assert filename == "consent-checkpoint-mailed-1.json"
    assert json.loads(content)["checkpoint"]["hash"] == ConsentChain.objects.get(tenant=tenant).last_hash
