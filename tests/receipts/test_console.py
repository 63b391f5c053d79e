"""The console: the queue's size and age on the overview, the program page with its figures, and its rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from panel.models import Panelist
from receipts.models import Receipt, ReceiptProgram
from tenants.roles import Role

pytestmark = pytest.mark.django_db


def test_the_overview_shows_the_queue_to_reviewers(make_staff, panelist: Panelist) -> None:
    Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="review",
                           confirmed_at=timezone.now() - timedelta(hours=5))  # fmt: skip
    reviewer = make_staff(tenant=panelist.tenant, role=Role.REVIEWER)
    html = reviewer.client.get(reverse("console_home", kwargs={"tenant_slug": panelist.tenant.slug})).content.decode()
    assert "Receipts waiting for review" in html
    assert "Oldest receipt in the queue (hours)" in html
    auditor = make_staff(tenant=panelist.tenant, role=Role.AUDITOR)
    page = auditor.client.get(reverse("console_home", kwargs={"tenant_slug": panelist.tenant.slug}))
    assert "Receipts waiting for review" not in page.content.decode()


def test_a_manager_sets_the_program_and_sees_its_figures(make_staff, panelist: Panelist) -> None:
    manager = make_staff(tenant=panelist.tenant, role=Role.MANAGER)
    slug = panelist.tenant.slug
    Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="rejected",
                           reason="outside_window")  # fmt: skip
    page = manager.client.get(reverse("console_receipt_program", kwargs={"tenant_slug": slug}))
    html = page.content.decode()
    assert "outside_window" in html  # the top reasons of rejection
    assert "<progress" in html  # drawn as bars, without inline styles
    refused = manager.client.post(reverse("console_receipt_program_update", kwargs={"tenant_slug": slug}),
                                  {"merchant_rule": "allow", "merchants": ""})  # fmt: skip
    assert refused.status_code == 400
    rules = {"merchant_rule": "block", "merchants": "Casino\nBetting shop", "photo_window_days": "7"}
    saved = manager.client.post(reverse("console_receipt_program_update", kwargs={"tenant_slug": slug}), rules)
    assert saved.status_code == 302
    program = ReceiptProgram.objects.for_tenant(panelist.tenant).get()
    assert (program.merchant_rule, program.merchants, program.photo_window_days) == (
        "block",
        ["Casino", "Betting shop"],
        7,
    )
    reviewer = make_staff(tenant=panelist.tenant, role=Role.REVIEWER)
    assert reviewer.client.get(reverse("console_receipt_program", kwargs={"tenant_slug": slug})).status_code == 403
