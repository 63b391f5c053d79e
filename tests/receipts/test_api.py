"""The receipts API: a panelist sends, confirms and appeals; operators list, filter, decide and export;
another tenant's receipts do not exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from panel.models import Panelist
from receipts.models import Receipt
from receipts.services.submission import receipt_read
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import TenantFactory
from tests.receipts import hostile
from tests.receipts.generator import jpeg_of

pytestmark = pytest.mark.django_db


def _panelist_client(panelist: Panelist) -> Client:
    client = Client(headers={"X-Tenant": panelist.tenant.slug})
    assert panelist.user is not None
    client.force_login(panelist.user)
    return client


def _key(panelist: Panelist, role: Role = Role.REVIEWER) -> Client:
    issued = api_key_create(tenant=panelist.tenant, name=role.value, role=role, created_by=None)
    return Client(headers={"Authorization": f"Api-Key {issued.key}"})


def test_a_panelist_sends_confirms_and_appeals_through_the_api_and_a_key_decides(panelist: Panelist) -> None:
    client = _panelist_client(panelist)
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("receipt.jpg", jpeg_of(hostile.small_photo()), content_type="image/jpeg")
    sent = client.post("/api/v1/me/receipts/", {"files": [photo]})
    assert sent.status_code == 201, sent.content
    receipt_id = sent.json()["id"]
    assert sent.json()["status"] == "reading"
    bomb = SimpleUploadedFile("b.png", hostile.decompression_bomb(), content_type="image/png")
    refused = client.post("/api/v1/me/receipts/", {"files": [bomb]})
    assert (refused.status_code, refused.json()["code"]) == (400, "file_too_many_pixels")
    receipt_read(receipt_id=Receipt.objects.for_tenant(panelist.tenant).get(public_id=receipt_id).pk)
    listed = client.get("/api/v1/me/receipts/").json()
    assert [r["id"] for r in listed["results"]] == [receipt_id]
    old = (timezone.localdate() - timedelta(days=20)).isoformat()
    confirmed = client.post(f"/api/v1/me/receipts/{receipt_id}/confirm/",
                            {"merchant": "Bio Market", "purchase_date": old, "total": "12.50"},
                            content_type="application/json")  # fmt: skip
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert (body["status"], body["reason"]) == ("rejected", "outside_window")
    assert body["decisions"][0]["by"] == "rules"
    assert body["images"][0].startswith(f"/t/{panelist.tenant.slug}/receipts/images/")
    appealed = client.post(f"/api/v1/me/receipts/{receipt_id}/appeal/", {"message": "It was a PDF"},
                           content_type="application/json")  # fmt: skip
    assert (appealed.status_code, appealed.json()["status"], appealed.json()["appealed"]) == (201, "review", True)
    assert (
        client.post(f"/api/v1/me/receipts/{receipt_id}/appeal/", {}, content_type="application/json").status_code == 409
    )
    # an operator's key finds it under review and approves it
    key = _key(panelist)
    waiting = key.get("/api/v1/receipts/?status=review").json()
    assert [r["id"] for r in waiting["results"]] == [receipt_id]
    decided = key.post(
        f"/api/v1/receipts/{receipt_id}/decision/", {"outcome": "approved"}, content_type="application/json"
    )
    assert decided.status_code == 200
    assert [d["outcome"] for d in decided.json()["decisions"]] == ["rejected", "approved"]


def test_operators_change_the_program_and_export_the_receipts(panelist: Panelist) -> None:
    key = _key(panelist, Role.MANAGER)
    rules = {"weekly_limit": 20, "merchant_rule": "block", "merchants": ["Casino"]}
    changed = key.put("/api/v1/receipts/program/", rules, content_type="application/json")
    assert changed.status_code == 200
    assert key.get("/api/v1/receipts/program/").json()["weekly_limit"] == 20
    bad = key.put(
        "/api/v1/receipts/program/", {"merchant_rule": "allow", "merchants": []}, content_type="application/json"
    )
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["merchants", "categories"])
    Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", merchant="=cmd|' /C calc'!A0")
    export = key.get("/api/v1/receipts/export/")
    lines = export.getvalue().decode().splitlines()
    assert lines[0].startswith("id,panelist,kind,status")
    assert "'=cmd" in lines[1]  # a cell that would run as a formula is neutralised
    as_json = key.get("/api/v1/receipts/export/?fmt=json").json()
    assert as_json["columns"][:2] == ["id", "panelist"]
    assert as_json["rows"][0][7] == "=cmd|' /C calc'!A0"
    assert _key(panelist, Role.REVIEWER).get("/api/v1/receipts/export/").status_code == 403


def test_another_tenants_receipt_is_a_404(panelist: Panelist) -> None:
    receipt = Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="review")
    other = TenantFactory.create()
    issued = api_key_create(tenant=other, name="other", role=Role.REVIEWER, created_by=None)
    client = Client(headers={"Authorization": f"Api-Key {issued.key}"})
    response = client.post(f"/api/v1/receipts/{receipt.public_id}/decision/", {"outcome": "approved"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 404
    assert client.get("/api/v1/receipts/").json()["results"] == []


def test_a_managers_key_reverses_an_approval_choosing_what_happens_to_the_paid_milestone(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    from rewards.selectors import panelist_balance
    from rewards.services.settings import reward_settings_update
    from tests.enqueued import enqueued

    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 1, "receipts_reward": 1000})
    receipt = Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="review",
                                     merchant="Bio Market")  # fmt: skip
    key = _key(panelist, Role.MANAGER)
    url = f"/api/v1/receipts/{receipt.public_id}/reversal/"
    assert key.post(f"/api/v1/receipts/{receipt.public_id}/decision/", {"outcome": "approved"},
                    content_type="application/json").status_code == 200  # fmt: skip
    assert panelist_balance(panelist=panelist) == 1000
    # a reviewer's key may decide, not reverse; a reversal needs a reason and the choice
    assert _key(panelist).post(url, {"reason": "not_a_receipt", "money": "keep"},
                               content_type="application/json").status_code == 403  # fmt: skip
    missing = key.post(url, {"reason": "not_a_receipt"}, content_type="application/json")
    assert (missing.status_code, list(missing.json()["fields"])) == (400, ["money"])
    with django_capture_on_commit_callbacks() as callbacks:
        reversed_ = key.post(url, {"reason": "not_a_receipt", "note": "A menu.", "money": "take_back"},
                             content_type="application/json")  # fmt: skip
    assert reversed_.status_code == 200, reversed_.content
    body = reversed_.json()
    assert (body["status"], body["reason"]) == ("rejected", "not_a_receipt")
    assert body["decisions"][-1] | {"created_at": ""} == {
        "outcome": "rejected", "reason": "not_a_receipt", "note": "A menu.", "on_appeal": False, "reversal": True,
        "money": "taken_back", "created_at": "", "by": "reviewer",
    }  # fmt: skip
    assert panelist_balance(panelist=panelist) == 0
    decision = receipt.decisions.get(reversal=True)
    assert decision.actor.startswith("api-key:")
    assert ("receipts.tasks.receipt_decision_notice_send_task", (decision.pk,)) in enqueued(callbacks)
    again = key.post(url, {"reason": "not_a_receipt", "money": "keep"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")


def test_operators_read_the_programs_figures(panelist: Panelist) -> None:
    receipt = Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="review",
                                     merchant="Bio Market", confirmed_at=timezone.now())  # fmt: skip
    Receipt.objects.create(tenant=panelist.tenant, panelist=panelist, kind="photo", status="rejected",
                           reason="outside_window")  # fmt: skip
    _key(panelist).post(f"/api/v1/receipts/{receipt.public_id}/decision/", {"outcome": "approved"},
                        content_type="application/json")  # fmt: skip
    figures = _key(panelist, Role.MANAGER).get("/api/v1/receipts/figures/").json()
    [month] = figures["months"]
    assert (month["sent"], month["approved"], month["rejected"], month["approval_rate"]) == (2, 1, 1, 50)
    assert figures["rejection_reasons"] == [{"reason": "outside_window", "count": 1}]
    [who] = figures["reviewers"]
    assert (who["reviewer"].startswith("api-key:"), who["decisions"], who["appeals"]) == (True, 1, 0)
    assert figures["queue"] == {"waiting": 0, "appeals": 0, "oldest_hours": 0}
    assert _key(panelist).get("/api/v1/receipts/figures/").status_code == 403
