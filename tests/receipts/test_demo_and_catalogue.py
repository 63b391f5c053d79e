"""seed_demo shows the receipts program with real data, and the app's French catalogue is complete."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from panel.models import Panelist
from receipts.models import Receipt
from tenants.models import Tenant

CATALOGUE = Path(__file__).resolve().parents[2] / "receipts" / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_seed_demo_fills_the_review_queue_and_runs_twice() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    tenant = Tenant.objects.get(slug="demo")
    statuses = sorted(Receipt.objects.for_tenant(tenant).values_list("status", flat=True))
    assert statuses.count("review") == 3
    assert {"approved", "rejected", "to_confirm"} <= set(statuses)
    assert len(statuses) == 6
    # the directory gives the blocked category's shop away: a person decides
    blocked = Receipt.objects.for_tenant(tenant).get(merchant="Tabac de la Gare")
    assert blocked.checks.get().code == "merchant_not_eligible"
    assert "Tobacco and lottery" in blocked.checks.get().detail
    assert "shops in the merchant directory" in out.getvalue()
    from receipts.selectors import milestone_steps

    assert [(s.receipts, s.amount) for s in milestone_steps(tenant=tenant)] == [(10, 1000), (20, 500)]


def test_the_french_catalogue_translates_everything() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert CATALOGUE.with_suffix(".mo").stat().st_mtime >= CATALOGUE.stat().st_mtime - 5


@pytest.mark.django_db
def test_the_receipts_page_speaks_french(panelist: Panelist) -> None:
    client = Client(headers={"Accept-Language": "fr"})
    assert panelist.user is not None
    client.force_login(panelist.user)
    page = client.get(reverse("receipts", kwargs={"tenant_slug": panelist.tenant.slug}))
    assert "Prendre le ticket en photo" in page.content.decode()


@pytest.mark.django_db
def test_a_refused_file_is_explained_in_the_panelists_language(panelist: Panelist) -> None:
    from django.utils import translation

    from receipts.intake import FileRefused
    from receipts.services.submission import receipt_submit
    from tests.receipts import hostile

    with translation.override("fr"), pytest.raises(FileRefused) as refused:
        receipt_submit(panelist=panelist, files=[("bombe.png", hostile.decompression_bomb())])
    assert refused.value.detail == "bombe.png: l'image a plus de pixels qu'il n'en faut pour un ticket."
