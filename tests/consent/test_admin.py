"""Platform admins read consent's records in the admin, and can change none of them."""

from __future__ import annotations

import pytest
from django.test import Client

from consent.models import (
    ConsentChain,
    ConsentDocument,
    ConsentEvent,
    ConsentReceipt,
    ConsentSeal,
    PurgeLog,
    Purpose,
    RetentionChange,
)
from consent.registry import category_get
from consent.services.consent import consent_change_by_subject
from consent.services.privacy import privacy_purge, retention_set
from consent.subjects import subject_for
from tenants.roles import Role
from tests.conftest import login_with_mfa
from tests.consent.evidence import append_at, years_ago
from tests.factories import MembershipFactory, PanelistFactory, TenantFactory, UserFactory, activate_totp, publish

pytestmark = pytest.mark.django_db

READ_ONLY = [
    Purpose,
    ConsentDocument,
    ConsentEvent,
    ConsentChain,
    ConsentReceipt,
    PurgeLog,
    ConsentSeal,
    RetentionChange,
]


@pytest.fixture
def admin_client() -> Client:
    tenant = TenantFactory.create(slug="evidence")
    publish(tenant, "surveys")
    subject = subject_for(tenant, PanelistFactory.create(tenant=tenant).user)
    assert subject is not None
    # events of years ago, one of them purged (a seal), an event, the chain head, a receipt; purge log
    # rows; a change of retention
    append_at(tenant, years_ago(9), "pn_old", "grant")
    append_at(tenant, years_ago(8), "pn_old", "withdraw")
    consent_change_by_subject(subject=subject, purpose_key="surveys", action="grant", method="web", base_url="")
    privacy_purge(tenant=tenant)
    owner = MembershipFactory.create(tenant=tenant, role=Role.OWNER)
    retention_set(tenant=tenant, category=category_get("panel.panelist"), days=100, by=owner)
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    login_with_mfa(client, admin, activate_totp(admin))
    return client


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_a_platform_admin_reads_the_consent_records_but_cannot_add_change_or_delete(admin_client, model) -> None:
    rows = model.objects.unscoped() if hasattr(model.objects, "unscoped") else model.objects.all()
    row = rows.first()
    assert row is not None
    base = f"/admin/consent/{model._meta.model_name}/"

    listed = admin_client.get(base)
    shown = admin_client.get(f"{base}{row.pk}/change/")
    add = admin_client.get(f"{base}add/")
    change = admin_client.post(f"{base}{row.pk}/change/", {})
    delete = admin_client.post(f"{base}{row.pk}/delete/", {"post": "yes"})

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert 'name="_save"' not in shown.content.decode()
    assert rows.filter(pk=row.pk).exists()


def test_the_signing_keys_are_not_in_the_admin(admin_client) -> None:
    assert admin_client.get("/admin/consent/signingkey/").status_code == 404
