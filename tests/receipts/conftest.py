"""Fixtures of the receipts tests: a panel with the receipts program's consent, a panelist who gave it,
and a storage folder of each test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from django.utils.functional import empty

from consent.services.consent import consent_grant
from panel.models import Panelist
from receipts.models import receipts_storage_lazy
from tenants.models import Tenant
from tests.factories import PanelistFactory, TenantFactory, publish


@pytest.fixture(autouse=True)
def receipts_folder(tmp_path: Path) -> Iterator[Path]:
    """Each test stores receipt images in its own folder, so that it sees exactly what was kept."""
    folder = tmp_path / "receipts"
    folder.mkdir()
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage",
               "OPTIONS": {"location": str(folder), "base_url": None}}  # fmt: skip
    with override_settings(STORAGES=settings.STORAGES | {"receipts": backend}):
        receipts_storage_lazy._wrapped = empty  # type: ignore[assignment]  # LazyObject's reset
        yield folder
    receipts_storage_lazy._wrapped = empty  # type: ignore[assignment]  # LazyObject's reset


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """A page asked for in French leaves French active in this thread: each test starts and ends in
    the default language, whatever ran before it."""
    translation.deactivate()
    yield
    translation.deactivate()


def stored_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def consenting_panelist(tenant: Tenant) -> Panelist:
    panelist = PanelistFactory.create(tenant=tenant)
    consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="receipts", language="en", method="web",
                  actor="subject")  # fmt: skip
    return panelist


@pytest.fixture
def tenant(db: None) -> Tenant:
    tenant = TenantFactory.create(currency="EUR", country="FR", timezone="Europe/Paris")
    publish(tenant, "receipts")
    return tenant


@pytest.fixture
def panelist(tenant: Tenant) -> Panelist:
    return consenting_panelist(tenant)
