"""The merchant directory gives shops their categories, and the program's allow- or block-list may name
categories as well as merchants: set in the console and by the API, applied by the checks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import DomainError
from panel.models import Panelist
from receipts.models import Receipt, ReceiptProgram
from receipts.selectors import merchant_category, merchant_directory
from receipts.services.program import merchant_directory_replace, receipt_program_update
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import TenantFactory
from tests.receipts.test_review import confirm, flags, sent

pytestmark = pytest.mark.django_db

DIRECTORY = """
Bio Market = Groceries
Supermarche Dupont = Groceries
Dupont Express = Groceries
Tabac de la Gare = Tobacco and lottery
H&M = Clothing
"""


def test_a_merchant_takes_the_category_of_the_longest_name_of_the_directory_found_in_it(panelist: Panelist) -> None:
    tenant = panelist.tenant
    merchant_directory_replace(tenant=tenant, entries=DIRECTORY + "Dupont = Hardware\n")
    assert merchant_category(tenant=tenant, merchant="BIO MARKET PARIS 11") == "Groceries"
    assert merchant_category(tenant=tenant, merchant="SUPERMARCHE  DUPONT") == "Groceries"  # the longer name wins
    assert merchant_category(tenant=tenant, merchant="dupont-express") == "Groceries"  # another name of the chain
    assert merchant_category(tenant=tenant, merchant="h & m") == "Clothing"
    assert merchant_category(tenant=tenant, merchant="Champion Hmarket") == ""  # a short name matches whole only
    assert merchant_category(tenant=tenant, merchant="Corner Grocery") == ""


def test_the_directory_is_replaced_whole_or_refused_whole_with_the_lines_at_fault(panelist: Panelist) -> None:
    tenant = panelist.tenant
    merchant_directory_replace(tenant=tenant, entries=DIRECTORY)
    with pytest.raises(DomainError) as refused:
        merchant_directory_replace(
            tenant=tenant, entries="Bio Market = Groceries\nno category here\nBIO MARKET = Organic\n = Groceries\n"
        )
    assert refused.value.fields["directory"] == [
        "Line 2: write the shop, then “=”, then its category.",
        "“BIO MARKET”: listed twice, with two categories.",
        "“ = Groceries”: give a shop and its category.",
    ]
    assert merchant_directory(tenant=tenant).count() == 5  # nothing changed
    merchant_directory_replace(tenant=tenant, entries=[("Bio Market", "Groceries"), ("bio market", "groceries")])
    assert [(m.name, m.category) for m in merchant_directory(tenant=tenant)] == [("Bio Market", "Groceries")]


def test_a_block_list_of_categories_flags_the_shops_of_those_categories_for_a_person(panelist: Panelist) -> None:
    # given a directory, and a program that blocks tobacco and one shop by name
    tenant = panelist.tenant
    merchant_directory_replace(tenant=tenant, entries=DIRECTORY)
    receipt_program_update(tenant=tenant, values={"merchant_rule": "block", "categories": "Tobacco and lottery\n",
                                                  "merchants": ["Corner Grocery"]})  # fmt: skip
    # then a tobacconist's receipt waits for a person, flagged with its reason code and its category
    tobacco = confirm(sent(panelist), merchant="TABAC DE LA GARE")
    assert (tobacco.status, flags(tobacco)) == (Receipt.Status.REVIEW, {"merchant_not_eligible"})
    assert tobacco.checks.get().detail == "TABAC DE LA GARE (Tobacco and lottery)"
    # the shop blocked by name is flagged too, and a grocer's receipt, or an unknown shop's, is approved
    assert flags(confirm(sent(panelist, read_total=1300), merchant="Corner Grocery", total="13.00")) == {
        "merchant_not_eligible"
    }
    assert confirm(sent(panelist, read_total=1400), merchant="Bio Market", total="14.00").status == "approved"
    assert confirm(sent(panelist, read_total=1500), merchant="Unknown shop", total="15.00").status == "approved"


def test_an_allow_list_of_categories_lets_only_those_categories_and_the_shops_named_through(
    panelist: Panelist,
) -> None:
    tenant = panelist.tenant
    merchant_directory_replace(tenant=tenant, entries=DIRECTORY)
    receipt_program_update(tenant=tenant, values={"merchant_rule": "allow", "categories": ["groceries"],
                                                  "merchants": ["Corner Grocery"]})  # fmt: skip
    assert confirm(sent(panelist), merchant="Dupont Express").status == Receipt.Status.APPROVED
    assert confirm(sent(panelist, read_total=1300), merchant="Corner Grocery", total="13.00").status == "approved"
    unknown = confirm(sent(panelist, read_total=1400), merchant="Unknown shop", total="14.00")
    assert (unknown.status, unknown.checks.get().code, unknown.checks.get().detail) == (
        Receipt.Status.REVIEW,
        "merchant_not_eligible",
        "Unknown shop",
    )
    clothes = confirm(sent(panelist, read_total=1500), merchant="H&M", total="15.00")
    assert clothes.checks.get().detail == "H&M (Clothing)"


def test_a_rule_needs_merchants_or_categories(panelist: Panelist) -> None:
    with pytest.raises(DomainError) as refused:
        receipt_program_update(tenant=panelist.tenant, values={"merchant_rule": "allow", "merchants": ""})
    assert set(refused.value.fields) == {"merchants", "categories"}
    program = receipt_program_update(tenant=panelist.tenant, values={"merchant_rule": "allow", "categories": "Pets"})
    assert (program.merchants, program.categories) == ([], ["Pets"])


def test_a_manager_keeps_the_directory_and_the_categories_in_the_console(make_staff, panelist: Panelist) -> None:
    manager = make_staff(tenant=panelist.tenant, role=Role.MANAGER)
    slug = panelist.tenant.slug
    update = reverse("console_merchant_directory_update", kwargs={"tenant_slug": slug})
    # a mistake is refused with its line, and what was typed comes back to be corrected
    refused = manager.client.post(update, {"directory": "Bio Market = Groceries\nPharmacie Centrale\n"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Line 2: write the shop, then “=”, then its category." in html
    assert "Pharmacie Centrale\n</textarea>" in html
    saved = manager.client.post(update, {"directory": DIRECTORY})
    assert saved.status_code == 302
    assert merchant_directory(tenant=panelist.tenant).count() == 5
    rules = {"merchant_rule": "block", "merchants": "", "categories": "Tobacco and lottery"}
    program_update = reverse("console_receipt_program_update", kwargs={"tenant_slug": slug})
    assert manager.client.post(program_update, rules).status_code == 302
    program = ReceiptProgram.objects.for_tenant(panelist.tenant).get()
    assert (program.merchant_rule, program.categories) == ("block", ["Tobacco and lottery"])
    page = manager.client.get(reverse("console_receipt_program", kwargs={"tenant_slug": slug})).content.decode()
    assert "Tabac de la Gare = Tobacco and lottery" in page
    # a reviewer sees the category of a receipt's shop in the queue
    receipt = confirm(sent(panelist), merchant="Tabac de la Gare")
    reviewer = make_staff(tenant=panelist.tenant, role=Role.REVIEWER)
    queue = reviewer.client.get(
        reverse("console_receipts_review", kwargs={"tenant_slug": slug}) + f"?receipt={receipt.pk}"
    )
    assert 'data-testid="review-category">Tobacco and lottery<' in queue.content.decode()
    assert reviewer.client.post(update, {"directory": ""}).status_code == 403


def test_operators_keep_the_directory_and_the_categories_by_the_api(panelist: Panelist) -> None:
    issued = api_key_create(tenant=panelist.tenant, name="manager", role=Role.MANAGER, created_by=None)
    key = Client(headers={"Authorization": f"Api-Key {issued.key}"})
    entries = [{"name": "Bio Market", "category": "Groceries"}, {"name": "Tabac de la Gare", "category": "Tobacco"}]
    put = key.put("/api/v1/receipts/merchants/", {"merchants": entries}, content_type="application/json")
    assert put.status_code == 200, put.content
    assert key.get("/api/v1/receipts/merchants/").json() == {"merchants": entries}
    twice = [{"name": "Bio Market", "category": "Groceries"}, {"name": "BIO MARKET", "category": "Organic"}]
    bad = key.put("/api/v1/receipts/merchants/", {"merchants": twice}, content_type="application/json")
    assert (bad.status_code, bad.json()["fields"]["directory"]) == (
        400,
        ["“BIO MARKET”: listed twice, with two categories."],
    )
    program = key.put("/api/v1/receipts/program/", {"merchant_rule": "block", "categories": ["Tobacco"]},
                      content_type="application/json")  # fmt: skip
    assert (program.status_code, program.json()["categories"]) == (200, ["Tobacco"])
    reviewer = api_key_create(tenant=panelist.tenant, name="reviewer", role=Role.REVIEWER, created_by=None)
    assert (
        Client().get("/api/v1/receipts/merchants/", headers={"Authorization": f"Api-Key {reviewer.key}"}).status_code
        == 403
    )
    # another tenant's key sees its own (empty) directory, never this one
    other = api_key_create(tenant=TenantFactory.create(), name="other", role=Role.MANAGER, created_by=None)
    elsewhere = Client().get("/api/v1/receipts/merchants/", headers={"Authorization": f"Api-Key {other.key}"})
    assert elsewhere.json() == {"merchants": []}
