"""The operators' report API, and the panelist's own API for their devices and what their browsers
sent: each answers only its own panel, and anyone else's object is a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from adverification.models import AdCount, Device
from tenants.roles import Role
from tenants.services import api_key_create
from tests.adverification.helpers import ad_panel, consenting_panelist, counts_at, paired, signed_in
from tests.adverification.test_reports import cells_of

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/adverification/reports/"


def key_for(tenant: Any, role: Role = Role.REVIEWER) -> Client:
    key = api_key_create(tenant=tenant, name="reports", role=role, created_by=None).key
    return Client(headers={"Authorization": f"Api-Key {key}"})


def as_panelist(panelist: Any) -> Client:
    client = signed_in(panelist)
    client.defaults["HTTP_X_TENANT"] = panelist.tenant.slug
    return client


def test_a_reviewer_reads_a_report_with_k_anonymity_and_chosen_noise() -> None:
    tenant = ad_panel(timezone="UTC")  # k = 10
    cells_of(tenant, {"big.test": 10, "small.test": 9})
    api = key_for(tenant)

    exact = api.get(REPORT, {"start": "2026-01-15", "end": "2026-01-15"}).json()
    noisy = api.get(REPORT, {"start": "2026-01-15", "end": "2026-01-15", "epsilon": "0.5"}).json()
    refused = api.get(REPORT, {"epsilon": "0"})

    assert (exact["k"], exact["epsilon"], exact["hidden_cells"], exact["count"]) == (10, None, 2, 4)
    assert [(c["domain"], c["site"], c["impressions"], c["panelists"]) for c in exact["results"]] == [
        ("ads.adnet.test", "big.test", 30, 10),
        ("ads.adnet.test", "other", 27, None),
        ("shop.brand.test", "big.test", 0, 10),
        ("shop.brand.test", "other", 0, None),
    ]
    assert exact["days"] == [{"day": "2026-01-15", "impressions": 57, "clicks": 19}]
    assert noisy["epsilon"] == 0.5
    assert [c["site"] for c in noisy["results"]] == ["big.test", "other", "big.test", "other"]
    assert "small.test" not in str(noisy)
    assert (refused.status_code, refused.json()["code"]) == (400, "epsilon_invalid")


def test_another_panels_owner_finds_no_report_here(make_staff) -> None:
    tenant = ad_panel(timezone="UTC")
    cells_of(tenant, {"big.test": 10})
    stranger = make_staff(tenant=ad_panel(), role=Role.OWNER)

    response = stranger.client.get(REPORT, headers={"X-Tenant": tenant.slug})

    assert response.status_code == 404
    assert "big.test" not in response.content.decode()


def test_a_panelist_lists_their_devices_and_removes_one_over_the_api() -> None:
    panelist = consenting_panelist(ad_panel())
    laptop, phone = paired(panelist, "Laptop"), paired(panelist, "Phone")
    api = as_panelist(panelist)

    removed = api.post(f"/api/v1/me/adverification/devices/{phone.device.pk}/revoke/")
    listed = api.get("/api/v1/me/adverification/devices/").json()

    assert removed.status_code == 200
    assert (removed.json()["active"], removed.json()["revoked_reason"]) == (False, "panelist")
    assert [(d["name"], d["active"]) for d in listed["results"]] == [("Phone", False), ("Laptop", True)]
    assert Device.objects.for_tenant(panelist.tenant).get(pk=laptop.device.pk).is_active


def test_another_panelists_device_is_a_404_in_this_panel_and_in_another() -> None:
    panel = ad_panel()
    owner, other = consenting_panelist(panel), consenting_panelist(panel)
    elsewhere = consenting_panelist(ad_panel())
    device = paired(owner).device

    mine = as_panelist(other).post(f"/api/v1/me/adverification/devices/{device.pk}/revoke/")
    theirs = as_panelist(elsewhere).post(f"/api/v1/me/adverification/devices/{device.pk}/revoke/")
    listed = as_panelist(elsewhere).get("/api/v1/me/adverification/devices/").json()

    assert mine.status_code == theirs.status_code == 404
    assert listed["results"] == []
    assert Device.objects.for_tenant(panel).get(pk=device.pk).is_active


def test_a_panelist_reads_what_their_browser_sent_and_deletes_a_day_over_the_api() -> None:
    panelist = consenting_panelist(ad_panel(timezone="UTC"))
    other = consenting_panelist(panelist.tenant)
    noon = datetime(2026, 1, 15, 12, tzinfo=UTC)
    counts_at(panelist, 0, [noon], count=4)
    counts_at(panelist, 0, [datetime(2026, 1, 16, 9, tzinfo=UTC)], site="news.test", count=2)
    counts_at(other, 0, [noon], count=7)
    api = as_panelist(panelist)

    sent = api.get("/api/v1/me/adverification/sent/").json()
    deleted = api.delete("/api/v1/me/adverification/sent/2026-01-15/")
    wrong = api.delete("/api/v1/me/adverification/sent/yesterday/")
    after = api.get("/api/v1/me/adverification/sent/").json()

    assert [(d["day"], d["impressions"], [s["site"] for s in d["sites"]]) for d in sent["results"]] == [
        ("2026-01-16", 2, ["news.test"]),
        ("2026-01-15", 4, ["publisher.test"]),
    ]
    assert deleted.json() == {"day": "2026-01-15", "rows": 1}
    assert wrong.status_code == 400
    assert [d["day"] for d in after["results"]] == ["2026-01-16"]
    assert AdCount.objects.for_tenant(panelist.tenant).filter(panelist_id=other.pk).count() == 1


def test_another_panels_panelist_neither_sees_nor_deletes_these_counts() -> None:
    panelist = consenting_panelist(ad_panel(timezone="UTC"))
    counts_at(panelist, 0, [datetime(2026, 1, 15, 12, tzinfo=UTC)])
    stranger = consenting_panelist(ad_panel())

    as_stranger = as_panelist(stranger)
    as_stranger.defaults["HTTP_X_TENANT"] = panelist.tenant.slug  # naming a panel they are not in
    listed = as_stranger.get("/api/v1/me/adverification/sent/")
    deleted = as_stranger.delete("/api/v1/me/adverification/sent/2026-01-15/")

    assert listed.status_code == deleted.status_code == 404
    assert AdCount.objects.for_tenant(panelist.tenant).count() == 1
