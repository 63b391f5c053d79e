"""The privacy registry: every model with personal data has a category; export, erasure and purge walk it."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.test.utils import isolate_apps
from django.utils import timezone

from accounts.models import User
from consent.models import ConsentEvent, DataExport, PurgeLog
from consent.privacy import evidence_purge
from consent.registry import ERASE_DEFAULT, categories, category_get, erasure_order
from consent.selectors import chain_verify
from consent.services.privacy import data_export_build, retention_set
from core.errors import DomainError
from panel.models import Panelist
from panel.services.invitations import invitation_create
from rewards.models import MassPaymentBatch, Payout, PayoutPreference
from rewards.periods import previous_period
from rewards.services.ledger import panelist_credit
from rewards.services.payouts import payout_run_process, payout_run_start
from rewards.services.providers import mass_payment_batch_create, mass_payment_mark_paid
from tenants.models import Tenant
from tenants.roles import Role
from tests.consent.evidence import append_at, years_ago
from tests.factories import PASSWORD, MembershipFactory, PanelistFactory, TenantFactory, UserFactory, publish
from tests.redis_contents import redis_hits, redis_persistence_files

OUR_APPS = {
    "accounts",
    "tenants",
    "consent",
    "panel",
    "rewards",
    "surveys",
    "adverification",
    "receipts",
    "account",
    "mfa",
    "sessions",
    "admin",
}
# Models with a personal-data signal that are not personal data, and why.
NOT_PERSONAL: dict[str, str] = {}


def personal_data_signals(model: type[models.Model]) -> list[str]:
    signals = []
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False):
            continue
        related = getattr(field, "related_model", None)
        if related is not None and related in (User, Panelist):
            signals.append(f"{field.name} links a person")
        elif isinstance(field, models.EmailField):
            signals.append(f"{field.name} is an email")
        elif isinstance(field, models.TextField):
            signals.append(f"{field.name} is free text")
        elif isinstance(field, models.FileField):
            signals.append(f"{field.name} is a file")
        elif field.name == "subject":
            signals.append("subject names a panelist")
    return signals


def test_every_model_holding_personal_data_belongs_to_a_category() -> None:
    covered = {model for category in categories() for model in category.models}
    orphans = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model in covered or model._meta.label in NOT_PERSONAL:
            continue
        if signals := personal_data_signals(model):
            orphans.append(f"{model._meta.label}: {', '.join(signals)}")

    assert orphans == [], "add these to a privacy category (an app's privacy.py): " + "; ".join(orphans)


@isolate_apps("surveys")  # a throwaway registry: the real one never sees this model
def test_the_coverage_check_would_catch_a_new_model() -> None:
    class Note(models.Model):
        author = models.ForeignKey(User, on_delete=models.CASCADE)
        text = models.TextField()

        class Meta:
            app_label = "surveys"

        def __str__(self) -> str:
            return self.text

    assert personal_data_signals(Note) == ["author links a person", "text is free text"]


def test_erasers_run_in_a_declared_order_with_the_membership_then_the_account_last() -> None:
    order = [category.key for category in erasure_order()]

    assert order[-2:] == ["panel.panelist", "accounts.account"]
    # Every other category still finds the person's rows through the panelist rows linked to the account.
    assert all(c.erase_order == ERASE_DEFAULT for c in erasure_order()[:-2])
    assert order.index("rewards.payouts") < order.index("panel.panelist")


def test_a_tenant_may_shorten_retention_but_never_lengthen_it(db) -> None:
    tenant = TenantFactory.create()
    owner = MembershipFactory.create(tenant=tenant, role=Role.OWNER)
    category = category_get("panel.panelist")

    retention_set(tenant=tenant, category=category, days=30, by=owner)
    with pytest.raises(DomainError, match="at most 365 days"):
        retention_set(tenant=tenant, category=category, days=400, by=owner)


@pytest.mark.django_db
def test_the_evidence_purge_goes_window_by_window_and_its_dry_run_counts_what_would_go() -> None:
    tenant = TenantFactory.create()
    publish(tenant, "surveys")
    subjects = [f"pn_{n}" for n in range(5)]
    for subject in subjects:
        append_at(tenant, years_ago(10), subject, "grant")
    for subject in subjects:
        append_at(tenant, years_ago(8), subject, "withdraw")

    assert evidence_purge(tenant, timezone.now(), 2, True) == 5  # every window counted, nothing removed
    assert ConsentEvent.objects.unscoped().filter(tenant=tenant).count() == 10
    assert evidence_purge(tenant, timezone.now(), 2, False) == 5

    assert list(ConsentEvent.objects.unscoped().filter(tenant=tenant).values_list("seq", flat=True)) == [6, 7, 8, 9, 10]
    report = chain_verify(tenant=tenant)
    assert report.ok, report.describe()
    assert (report.events, report.sealed) == (5, 5)


@pytest.mark.django_db
def test_privacy_purge_walks_the_registry_and_logs_counts_only(capsys) -> None:
    tenant = TenantFactory.create(slug="purgeme")
    left = PanelistFactory.create(tenant=tenant, status="left", left_at=timezone.now() - timedelta(days=400))
    stays = PanelistFactory.create(tenant=tenant, status="left", left_at=timezone.now() - timedelta(days=10))

    call_command("privacy_purge", "--tenant", "purgeme", "--dry-run")
    dry = capsys.readouterr().out
    left.refresh_from_db()
    assert left.user is not None
    assert "purgeme: Would purge 1 from panel.panelist" in dry

    call_command("privacy_purge", "--tenant", "purgeme")
    left.refresh_from_db()
    stays.refresh_from_db()
    assert left.user is None
    assert stays.user is not None
    assert "purgeme: Purged 1 from panel.panelist" in capsys.readouterr().out
    call_command("privacy_purge", "--tenant", "purgeme")  # safe to rerun
    logs = PurgeLog.objects.unscoped().filter(tenant=tenant, category="panel.panelist", dry_run=False).order_by("id")
    assert [log.purged for log in logs] == [1, 0]
    assert {f.name for f in PurgeLog._meta.get_fields()} == {
        "id",
        "tenant",
        "category",
        "cutoff",
        "purged",
        "dry_run",
        "ran_at",
    }


@pytest.mark.django_db
def test_the_daily_task_purges_every_tenant() -> None:
    from consent.tasks import privacy_purge_task

    tenants = [TenantFactory.create(slug="daily-a"), TenantFactory.create(slug="daily-b")]
    left = [
        PanelistFactory.create(tenant=t, status="left", left_at=timezone.now() - timedelta(days=400)) for t in tenants
    ]

    privacy_purge_task()

    for panelist in left:
        panelist.refresh_from_db()
        assert panelist.user is None
    for tenant in tenants:
        log = PurgeLog.objects.unscoped().get(tenant=tenant, category="panel.panelist")
        assert (log.purged, log.dry_run) == (1, False)


def test_export_requests_are_rate_limited(db) -> None:
    tenant = TenantFactory.create(slug="ratelimit")
    panelist = PanelistFactory.create(tenant=tenant)
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)

    statuses = [client.post("/t/ratelimit/privacy/exports/").status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    assert DataExport.objects.unscoped().filter(tenant=tenant).count() == 3


def pg_dump_text() -> str:
    import pgserver._commands as pg

    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    command = [
        str(Path(pg.POSTGRES_BIN_PATH) / "pg_dump"),
        "--no-owner",
        "--data-only",
        "-d",
        db["NAME"],
        "-U",
        db["USER"],
    ]
    if host:
        command += ["-h", host]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    env = os.environ | {"PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env, timeout=120).stdout


def media_hits(marker: str) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    hits = []
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            data = path.read_bytes()
            if marker.encode() in data:
                hits.append(str(path))
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    hits += [f"{path}:{n}" for n in archive.namelist() if marker.encode() in archive.read(n)]
    return hits


def redis_file_hits(marker: str) -> list[str]:
    """The Redis server's append-only and snapshot files (if it writes any) that hold ``marker``."""
    return [str(path) for path in redis_persistence_files() if marker.encode() in path.read_bytes()]


def canary_settled_payout(tenant: Tenant, panelist: Panelist, address: str) -> MassPaymentBatch:
    """A payout to ``address`` that finance has in a mass-payment batch (not yet settled)."""
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="mass_payment", email=address)
    panelist_credit(panelist=panelist, amount=2500, reason="bonus", idempotency_key=f"canary:{panelist.pk}")
    run = payout_run_start(tenant=tenant, period=previous_period(tenant)).run
    payout_run_process(run=run)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None
    return batch


# Before the worker test below: no worker runs yet in this module, so the Celery messages this flow
# queues are still in Redis when it is searched.
@pytest.mark.django_db(transaction=True)
def test_erasing_a_canary_leaves_no_trace_in_the_database_media_redis_or_logs(settings, tmp_path, caplog) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    caplog.set_level(logging.DEBUG)  # every logger, for the whole flow
    published: list[str] = []

    def record(headers: Any = None, body: Any = None, **_kwargs: Any) -> None:
        published.append(json.dumps([headers, body], default=str))

    before_task_publish.connect(record, weak=False)
    try:
        marker = "canary7f3q9zx"
        tenant = TenantFactory.create(slug="canary-panel")
        other_tenant = TenantFactory.create(slug="canary-other")
        left_tenant = TenantFactory.create(slug="canary-left")
        invited_by = TenantFactory.create(slug="canary-invites")
        publish(invited_by, "membership")  # a panel invites nobody before its membership text exists
        publish(tenant, "surveys")
        user = UserFactory.create(email=f"{marker}@example.test", name=f"Ms {marker}")
        panelist = PanelistFactory.create(tenant=tenant, user=user)
        PanelistFactory.create(tenant=other_tenant, user=user)
        left = PanelistFactory.create(tenant=left_tenant, user=user)
        # A panel the person left: a payout finance already paid to an address of theirs, and the
        # preference that names it.
        settled = canary_settled_payout(left_tenant, left, f"{marker}.old@example.test")
        mass_payment_mark_paid(batch=settled, actor="test")
        Panelist.objects.unscoped().filter(pk=left.pk).update(status=Panelist.Status.LEFT, left_at=timezone.now())
        # This panel: a payout finance holds at the erasure, and settles after it.
        in_finance = canary_settled_payout(tenant, panelist, f"{marker}.pay@example.test")
        invitation_create(tenant=invited_by, email=user.email)  # queues the invitation email
        Client().post("/accounts/login/", {"login": user.email, "password": "not the password"})  # counted in Redis
        client = Client()
        client.login(email=user.email, password=PASSWORD)
        client.post("/t/canary-panel/consents/surveys/grant/")  # queues the receipt's email copy
        client.post("/t/canary-panel/privacy/exports/")  # queues the export's build
        data_export_build(export_id=DataExport.objects.unscoped().get(tenant=tenant).pk)  # what the worker does
        LogEntry.objects.create(
            user=UserFactory.create(is_staff=True),
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(user.pk),
            object_repr=user.email,
            action_flag=CHANGE,
            change_message="",
        )
        assert marker in pg_dump_text()
        assert media_hits(marker)
        assert Payout.objects.unscoped().filter(email__contains=marker).count() == 2

        response = client.post("/t/canary-panel/privacy/erase/", {"scope": "account", "confirm": "yes"})
        assert mass_payment_mark_paid(batch=in_finance, actor="test") == 1  # finance settles after the erasure
    finally:
        before_task_publish.disconnect(record)

    assert response.status_code == 200
    assert 'data-testid="erased"' in response.content.decode()
    assert marker not in pg_dump_text()
    assert media_hits(marker) == []
    assert redis_hits(marker) == []
    assert redis_file_hits(marker) == []
    assert [message for message in published if marker in message] == []
    assert len(published) >= 3  # the invitation, the receipt copy, the export
    # factory_boy's own debug lines describe the test's setup, not what Fairpanel logs.
    logged = [r for r in caplog.records if not r.name.startswith("factory")]
    assert any("erased an account" in r.getMessage() for r in logged)  # the capture saw the erasure itself
    assert [r.getMessage() for r in logged if marker in r.getMessage() or marker in repr(r.args)] == []
    assert Payout.objects.unscoped().filter(status="paid", email="").count() == 2  # settled, and forgotten
    assert not PayoutPreference.objects.unscoped().exists()
    # the evidence stays, pseudonymous: the grant, then its withdrawal by the erasure
    evidence = ConsentEvent.objects.unscoped().filter(subject=panelist.public_id).order_by("seq")
    assert [(e.kind, e.method) for e in evidence] == [("grant", "web"), ("withdraw", "erasure")]
    assert Panelist.objects.unscoped().filter(public_id=panelist.public_id, user__isnull=True).exists()
    assert Panelist.objects.unscoped().filter(pk=left.pk, user__isnull=True).exists()
    assert chain_verify(tenant=tenant).ok


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_the_export_and_the_signed_link_serves_it_to_its_owner(celery_worker_process, tmp_path) -> None:
    tenant = TenantFactory.create(slug="exporter")
    publish(tenant, "surveys")
    panelist = PanelistFactory.create(tenant=tenant)
    assert panelist.user is not None
    client = Client()
    client.login(email=panelist.user.email, password=PASSWORD)
    client.post("/t/exporter/consents/surveys/grant/")

    client.post("/t/exporter/privacy/exports/")

    deadline = time.monotonic() + 30
    while DataExport.objects.unscoped().get(tenant=tenant).status != "ready":
        assert time.monotonic() < deadline, celery_worker_process.log.read_text()[-3000:]
        time.sleep(0.3)
    page = client.get("/t/exporter/privacy/").content.decode()
    link = page.split('data-testid="download-export"')[0].rsplit('href="', 1)[1].split('"')[0]
    response = client.get(link)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    names = set(archive.namelist())
    assert {f"{c.key}.json" for c in categories()} <= names
    assert any(name.startswith("files/consent.evidence/consent_receipts/") for name in names)
    assert panelist.public_id in archive.read("panel.panelist.json").decode()
    assert panelist.user.email in archive.read("accounts.account.json").decode()

    stranger = UserFactory.create()
    other = Client()
    other.login(email=stranger.email, password=PASSWORD)
    assert other.get(link).status_code == 404
    assert client.get(link[:-3] + "xyz/").status_code == 404


@pytest.mark.django_db
def test_erasing_one_membership_keeps_the_account_and_other_panels() -> None:
    a, b = TenantFactory.create(slug="panel-a"), TenantFactory.create(slug="panel-b")
    user = UserFactory.create()
    in_a = PanelistFactory.create(tenant=a, user=user)
    in_b = PanelistFactory.create(tenant=b, user=user)
    client = Client()
    client.login(email=user.email, password=PASSWORD)

    client.post("/t/panel-a/privacy/erase/", {"scope": "membership", "confirm": "yes"})

    in_a.refresh_from_db()
    in_b.refresh_from_db()
    assert (in_a.user, in_a.status) == (None, "left")
    assert in_b.user == user
    assert User.objects.filter(pk=user.pk).exists()
    assert client.get("/t/panel-a/privacy/").status_code == 404  # no longer a panelist there


@pytest.mark.django_db
def test_erasure_needs_a_confirmation() -> None:
    tenant = TenantFactory.create(slug="careful")
    panelist = PanelistFactory.create(tenant=tenant)
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)

    client.post("/t/careful/privacy/erase/", {"scope": "account"})

    assert User.objects.filter(pk=panelist.user.pk).exists()


def test_an_erasure_ends_every_active_consent_in_the_log(make_staff) -> None:
    # given a panelist with membership and surveys active, and receipts already withdrawn
    tenant = TenantFactory.create(slug="erasing")
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    user = UserFactory.create()
    panelist = PanelistFactory.create(tenant=tenant, user=user)
    client = Client()
    client.force_login(user)
    for key in ("membership", "surveys", "receipts"):
        client.post(f"/t/erasing/consents/{key}/grant/")
    client.post("/t/erasing/consents/receipts/withdraw/")

    # when they erase their membership
    erased = client.post("/t/erasing/privacy/erase/", {"confirm": "yes", "scope": "membership"})

    # then each consent still active ends with a withdrawal by erasure, and the chain still verifies
    assert erased.status_code in (200, 302)
    events = ConsentEvent.objects.for_tenant(tenant).filter(subject=panelist.public_id).order_by("seq")
    latest = {e.purpose_key: e for e in events}
    assert {key: (e.kind, e.method) for key, e in latest.items()} == {
        "membership": ("withdraw", "erasure"),
        "surveys": ("withdraw", "erasure"),
        "receipts": ("withdraw", "web"),  # withdrawn by the person before; not withdrawn twice
    }
    assert chain_verify(tenant=tenant).ok
