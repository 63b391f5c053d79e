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


def test_the_program_page_charts_receipts_per_month_the_approval_rate_and_the_top_reasons(
    make_staff, panelist: Panelist
) -> None:
    # given receipts sent last month (3: 2 approved, 1 rejected) and this month (2: 1 rejected, 1 open)
    tenant = panelist.tenant
    now = timezone.now()
    last = now - timedelta(days=35)
    for status, reason, at in [("approved", "", last), ("approved", "", last), ("rejected", "outside_window", last),
                               ("rejected", "total_mismatch", now), ("review", "", now)]:  # fmt: skip
        receipt = Receipt.objects.create(tenant=tenant, panelist=panelist, kind="photo", status=status, reason=reason)
        Receipt.objects.for_tenant(tenant).filter(pk=receipt.pk).update(submitted_at=at)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    html = manager.client.get(reverse("console_receipt_program", kwargs={"tenant_slug": tenant.slug})).content.decode()
    this, previous = (
        f"{timezone.localdate(now, tenant.tzinfo):%Y-%m}",
        f"{timezone.localdate(last, tenant.tzinfo):%Y-%m}",
    )
    # receipts per month, stacked by outcome, the oldest month first
    assert html.index(f'data-month="{previous}" data-sent="3"') < html.index(f'data-month="{this}" data-sent="2"')
    months = html.split('data-testid="chart-months"')[1].split("</figure>")[0]
    assert months.count('data-kind="approved" data-value="2"') == 1
    assert months.count('data-kind="open" data-value="1"') == 1
    # the approval rate of what was decided: 2 of 3, then 0 of 1
    rates = html.split('data-testid="chart-approval-rate"')[1].split("</figure>")[0]
    assert f'data-month="{previous}" data-value="67"' in rates
    assert f'data-month="{this}" data-value="0"' in rates
    # the reasons of rejection, one bar each
    reasons = html.split('data-testid="chart-reasons"')[1].split("</figure>")[0]
    assert 'data-reason="outside_window" data-value="1"' in reasons
    assert 'data-reason="total_mismatch" data-value="1"' in reasons
    assert "style=" not in html.split('data-testid="receipts-charts"')[1].split("</section>")[0]
