"""Who may call what: every URL of the URL configuration and every operation of the OpenAPI schema,
called as each kind of caller, against a table of what each should get.

The URLs and the operations are enumerated, not listed by hand: a new URL or operation without a row in
the table fails ``test_every_url_and_operation_has_a_row``. The callers:

- pages: anonymous, a panelist, each staff role of the tenant, the owner of another tenant;
- the API: the same, plus an API key of each role (a key never holds the owner role).

A row names an access rule and what an allowed caller gets (a POST-only page answers a GET with 405
once the caller is let in); the rule says what everyone else gets. Allauth's, the admin's and the
language switch's own URLs are third-party and tested by their packages; they are left out here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from consent.models import ConsentReceipt
from panel.models import WaitlistRelease
from panel.services.invitations import invitation_create
from receipts.models import Receipt
from rewards.models import MassPaymentBatch, PayoutRun
from rewards.services.providers import charity_add
from surveys.services.authoring import quota_add, survey_create, survey_publish
from tenants.roles import API_KEY_ROLES, ROLE_PERMISSIONS, Perm, Role
from tenants.services import api_key_create
from tests.factories import PanelistFactory, TenantFactory, publish
from tests.surveys.samples import one_question

pytestmark = pytest.mark.django_db

THIRD_PARTY = ("admin/", "accounts/", "i18n/")

# -- the rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """Anyone gets the same answer."""

    status: int = 200


@dataclass(frozen=True)
class Front:
    """The front page: the anonymous see it; a signed-in person with one place (every caller here has
    exactly one) is sent there."""


@dataclass(frozen=True)
class Panelist:
    """A page of the panelist's own: signed-out people go to sign in; anyone who is not a panelist of
    this panel (staff included) finds nothing. A POST-only page (405) answers a signed-in GET with 405
    before it looks for the panelist, which tells nobody anything."""

    status: int = 200


@dataclass(frozen=True)
class Staff:
    """A console page: signed-out people go to sign in; staff whose role lacks ``perm`` are refused;
    panelists and other tenants' staff find no console at all."""

    perm: Perm
    status: int = 200


@dataclass(frozen=True)
class Api:
    """A tenant API: a key or staff session whose role holds ``perm`` gets ``status``; another role,
    403; no credentials, 401; a session without the second factor (a panelist), 403; another tenant's
    owner naming this tenant, 404."""

    perm: Perm
    status: int = 200


@dataclass(frozen=True)
class MyApi:
    """A panelist's own API (session and X-Tenant): the panelist gets ``status``; staff who are not
    panelists here and other tenants' people find nothing; a key (a machine, not a person) is refused;
    the anonymous are not authenticated."""

    status: int = 200


@dataclass(frozen=True)
class PublicApi:
    """An API anyone may call without credentials (the extension pairing with a code): everyone gets
    ``status``."""

    status: int


@dataclass(frozen=True)
class DeviceApi:
    """The extension's API: only a device token opens it, so a session, an API key or nothing is 401."""


Rule = Public | Front | Panelist | Staff | Api | MyApi | PublicApi | DeviceApi

PAGES: dict[str, Rule] = {
    "home": Front(),
    "healthz": Public(503),  # no worker runs during this test; the answer is the same for everyone
    "livez": Public(),
    "api_schema": Public(),
    "api_docs": Public(),
    # the public side of a panel; links with a token nobody holds are refused alike for everyone
    "tenant_home": Public(),
    "waitlist_confirm": Public(),  # a GET shows a button; nothing happens until a POST
    "waitlist_status": Public(404),
    "waitlist_leave": Public(405),
    "join": Public(),  # the page reads the token from the link's fragment, which no server ever sees
    "join_accept": Public(405),
    "consent_document": Public(),
    "consent_document_diff": Public(),
    "consent_jwks": Public(),
    "data_export_download": Panelist(404),  # a forged link finds nothing, even for its panelist
    # the panelist's own pages
    "panelist_home": Panelist(),
    "my_consents": Panelist(),
    "my_consent_grant": Panelist(405),
    "my_consent_withdraw": Panelist(405),
    "consent_receipt": Panelist(),
    "my_data": Panelist(),
    "data_export_create": Panelist(405),
    "privacy_erase": Panelist(405),
    "wallet": Panelist(),
    "wallet_export": Panelist(),
    "payout_method_set": Panelist(405),
    "ad_devices": Panelist(),
    "ad_pairing_code_create": Panelist(405),
    "ad_device_revoke": Panelist(405),
    "ad_sent": Panelist(),
    "ad_day_delete": Panelist(405),
    "my_surveys": Panelist(),
    "survey_intro": Panelist(),
    "survey_start": Panelist(405),
    "survey_page": Panelist(302),  # not started yet: to the survey's first page
    "survey_end": Panelist(302),  # not finished yet: to the survey's first page
    "survey_appeal": Panelist(405),
    "survey_external_return": Panelist(403),  # no signature: refused
    "survey_external_callback": Public(405),  # a server posts it, signed
    "receipts": Panelist(),
    "receipt_send": Panelist(405),
    "receipt_detail": Panelist(),
    "receipt_fields_confirm": Panelist(405),
    "receipt_appeal_send": Panelist(405),
    "receipt_image": Public(404),  # a forged signed link finds nothing, whoever holds it
    # the console
    "console_home": Staff(Perm.CONSOLE_VIEW),
    "console_team": Staff(Perm.TEAM_VIEW),
    "console_staff_add": Staff(Perm.TEAM_MANAGE, 405),
    "console_staff_remove": Staff(Perm.TEAM_MANAGE, 405),
    "console_api_keys": Staff(Perm.APIKEYS_MANAGE),
    "console_api_key_revoke": Staff(Perm.APIKEYS_MANAGE, 405),
    "console_panelists": Staff(Perm.PANELISTS_VIEW),
    "console_invitations": Staff(Perm.INVITATIONS_MANAGE),
    "console_invitations_import": Staff(Perm.INVITATIONS_MANAGE, 405),
    "console_invitation_revoke": Staff(Perm.INVITATIONS_MANAGE, 405),
    "console_invitation_resend": Staff(Perm.INVITATIONS_MANAGE, 405),
    "console_waitlist": Staff(Perm.WAITLIST_MANAGE),
    "console_waitlist_release": Staff(Perm.WAITLIST_MANAGE, 405),
    "console_release_progress": Staff(Perm.WAITLIST_MANAGE),
    "console_screening_question_add": Staff(Perm.WAITLIST_MANAGE, 405),
    "console_purposes": Staff(Perm.PURPOSES_MANAGE),
    "console_document_publish": Staff(Perm.PURPOSES_MANAGE, 405),
    "console_retention_set": Staff(Perm.PURPOSES_MANAGE, 405),
    "console_consent": Staff(Perm.CONSENT_AUDIT),
    "console_consent_verify": Staff(Perm.CONSENT_AUDIT),
    "console_consent_export": Staff(Perm.CONSENT_AUDIT),
    "console_consent_checkpoint": Staff(Perm.CONSENT_AUDIT),
    "console_processing_record": Staff(Perm.CONSENT_AUDIT),
    "console_purge_log": Staff(Perm.CONSENT_AUDIT),
    "console_payouts": Staff(Perm.PAYOUTS_MANAGE),
    "console_payout_run": Staff(Perm.PAYOUTS_MANAGE),
    "console_payout_run_progress": Staff(Perm.PAYOUTS_MANAGE),
    "console_payout_providers": Staff(Perm.PAYOUTS_MANAGE),
    "console_giftcards_import": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_mass_payment_batch_create": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_mass_payment_csv": Staff(Perm.PAYOUTS_MANAGE),
    "console_mass_payment_mark_paid": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_mass_payment_result_import": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_charity_add": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_charity_toggle": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_rewards": Staff(Perm.PAYOUTS_MANAGE),
    "console_ledger_manual_post": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_reward_settings_update": Staff(Perm.PAYOUTS_MANAGE, 405),
    "console_ad_program": Staff(Perm.AD_PROGRAM_MANAGE),
    "console_ad_program_update": Staff(Perm.AD_PROGRAM_MANAGE, 405),
    "console_ad_reports": Staff(Perm.AD_REPORTS_VIEW),
    "console_ad_reports_csv": Staff(Perm.AD_REPORTS_VIEW),
    "console_surveys": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_create": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_definition": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_export_json": Staff(Perm.SURVEYS_MANAGE),
    "console_question_add": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_question_edit": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_question_move": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_question_delete": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_logic_check": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_question_logic": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_logic_builder": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_question_texts": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_page_texts": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_preview": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_publish": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_close": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_settings": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_quota_add": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_quota_delete": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_eligible": Staff(Perm.SURVEYS_MANAGE),
    "console_wave_create": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_progress": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_results": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_export_csv": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_export_codebook": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_export_parquet": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_export_sav": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_exports": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_export_start": Staff(Perm.SURVEYS_MANAGE, 405),
    "console_survey_export_download": Staff(Perm.SURVEYS_MANAGE, 404),  # a forged link finds nothing
    "console_survey_export_definition": Staff(Perm.SURVEYS_MANAGE),
    "console_survey_reviews": Staff(Perm.SURVEYS_REVIEW),
    "console_survey_review_approve": Staff(Perm.SURVEYS_REVIEW, 405),
    "console_survey_review_reject": Staff(Perm.SURVEYS_REVIEW, 405),
    "console_receipts_review": Staff(Perm.RECEIPTS_REVIEW),
    "console_receipt_decide": Staff(Perm.RECEIPTS_REVIEW, 405),
    "console_receipt_approval_reverse": Staff(Perm.RECEIPTS_MANAGE, 405),
    "console_receipt_program": Staff(Perm.RECEIPTS_MANAGE),
    "console_receipt_program_update": Staff(Perm.RECEIPTS_MANAGE, 405),
    "console_merchant_directory_update": Staff(Perm.RECEIPTS_MANAGE, 405),
}

OPERATIONS: dict[str, Rule] = {
    "GET /api/v1/tenant/": Api(Perm.CONSOLE_VIEW),
    "GET /api/v1/members/": Api(Perm.TEAM_VIEW),
    "GET /api/v1/api-keys/": Api(Perm.APIKEYS_MANAGE),
    "GET /api/v1/api-keys/{id}/": Api(Perm.APIKEYS_MANAGE),
    "DELETE /api/v1/api-keys/{id}/": Api(Perm.APIKEYS_MANAGE),
    "GET /api/v1/panelists/": Api(Perm.PANELISTS_VIEW),
    "GET /api/v1/panelists/{public_id}/": Api(Perm.PANELISTS_VIEW),
    "GET /api/v1/consent/events/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/export/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/verify/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/documents/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/record/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/purges/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/checkpoint/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/consent/retention-changes/": Api(Perm.CONSENT_AUDIT),
    "GET /api/v1/payouts/runs/": Api(Perm.PAYOUTS_MANAGE),
    "GET /api/v1/me/consents/": MyApi(),
    "POST /api/v1/me/consents/": MyApi(400),  # an empty body is refused with a reason
    "GET /api/v1/me/exports/": MyApi(),
    "POST /api/v1/me/exports/": MyApi(202),
    "GET /api/v1/me/wallet/": MyApi(),
    "GET /api/v1/me/wallet/history/": MyApi(),
    "PUT /api/v1/me/wallet/payout-method/": MyApi(400),
    "GET /api/v1/surveys/": Api(Perm.SURVEYS_MANAGE),
    "POST /api/v1/surveys/": Api(Perm.SURVEYS_MANAGE, 400),  # an empty body: no title
    "GET /api/v1/surveys/{survey_id}/": Api(Perm.SURVEYS_MANAGE),
    "GET /api/v1/surveys/{survey_id}/definition/": Api(Perm.SURVEYS_MANAGE),
    # the operations run in path order: ".../close/" has closed the survey before these two
    "PUT /api/v1/surveys/{survey_id}/definition/": Api(Perm.SURVEYS_MANAGE, 409),
    "POST /api/v1/surveys/{survey_id}/publish/": Api(Perm.SURVEYS_MANAGE, 409),
    "POST /api/v1/surveys/{survey_id}/close/": Api(Perm.SURVEYS_MANAGE),
    "POST /api/v1/surveys/{survey_id}/eligible/": Api(Perm.SURVEYS_MANAGE),
    "POST /api/v1/surveys/{survey_id}/waves/": Api(Perm.SURVEYS_MANAGE, 400),  # no method
    "GET /api/v1/surveys/{survey_id}/results/": Api(Perm.SURVEYS_MANAGE),
    "GET /api/v1/surveys/{survey_id}/responses/": Api(Perm.SURVEYS_MANAGE),
    "POST /api/v1/surveys/{survey_id}/exports/": Api(Perm.SURVEYS_MANAGE, 400),  # no format
    "GET /api/v1/surveys/{survey_id}/exports/{export_id}/": Api(Perm.SURVEYS_MANAGE, 404),  # none yet
    "GET /api/v1/surveys/{survey_id}/exports/{export_id}/file/": Api(Perm.SURVEYS_MANAGE, 404),
    "GET /api/v1/survey-reviews/": Api(Perm.SURVEYS_REVIEW),
    "POST /api/v1/survey-reviews/{response_id}/": Api(Perm.SURVEYS_REVIEW, 400),  # no decision
    "GET /api/v1/me/surveys/": MyApi(),
    "POST /api/v1/me/surveys/{survey_id}/start/": MyApi(403),  # not invited
    "POST /api/v1/me/surveys/{survey_id}/pages/{page}/": MyApi(400),  # not started
    "POST /api/v1/me/surveys/{survey_id}/submit/": MyApi(400),  # not started
    "POST /api/v1/adverification/devices/pair": PublicApi(400),  # an empty body: no code
    "GET /api/v1/adverification/watchlist": DeviceApi(),
    "POST /api/v1/adverification/batches": DeviceApi(),
    "GET /api/v1/adverification/reports/": Api(Perm.AD_REPORTS_VIEW),
    "GET /api/v1/me/adverification/devices/": MyApi(),
    "POST /api/v1/me/adverification/devices/{id}/revoke/": MyApi(404),  # a device nobody here has
    "GET /api/v1/me/adverification/sent/": MyApi(),
    "DELETE /api/v1/me/adverification/sent/{day}/": MyApi(),  # a day with nothing sent: nothing to delete
    "GET /api/v1/me/receipts/": MyApi(),
    "POST /api/v1/me/receipts/": MyApi(403),  # this panelist has not consented to the receipts program
    "GET /api/v1/me/receipts/{receipt_id}/": MyApi(),
    "POST /api/v1/me/receipts/{receipt_id}/confirm/": MyApi(400),  # an empty body is refused with a reason
    "POST /api/v1/me/receipts/{receipt_id}/appeal/": MyApi(409),  # nothing was rejected, nothing to appeal
    "GET /api/v1/receipts/": Api(Perm.RECEIPTS_REVIEW),
    "POST /api/v1/receipts/{receipt_id}/decision/": Api(Perm.RECEIPTS_REVIEW, 400),
    "POST /api/v1/receipts/{receipt_id}/reversal/": Api(Perm.RECEIPTS_MANAGE, 400),  # an empty body gives no reason
    "GET /api/v1/receipts/program/": Api(Perm.RECEIPTS_MANAGE),
    "PUT /api/v1/receipts/program/": Api(Perm.RECEIPTS_MANAGE),
    "GET /api/v1/receipts/export/": Api(Perm.RECEIPTS_MANAGE),
    "GET /api/v1/receipts/merchants/": Api(Perm.RECEIPTS_MANAGE),
    "GET /api/v1/receipts/figures/": Api(Perm.RECEIPTS_MANAGE),
    "PUT /api/v1/receipts/merchants/": Api(Perm.RECEIPTS_MANAGE, 400),  # an empty body names no directory
}

QUERIES = {"consent_document_diff": "?from=1&to=2"}  # what a page needs beyond its path

# -- the callers ----------------------------------------------------------------------------------------

STAFF_ROLES = [Role.OWNER, Role.MANAGER, Role.REVIEWER, Role.AUDITOR]


@dataclass
class World:
    slug: str
    kwargs: dict[str, dict[str, object]]  # per URL name, what fills its path
    api_values: dict[str, str]  # per path parameter of the API
    clients: dict[str, Client]  # "anonymous", "panelist", "owner"..., "other_owner"
    keys: dict[str, str]  # API key per role


@pytest.fixture
def world(make_staff, client: Client) -> World:
    tenant = TenantFactory.create(slug="matrix")
    for purpose in ("membership", "surveys", "receipts", "ad_verification", "marketing_email", "waitlist"):
        publish(tenant, purpose)
    publish(tenant, "surveys", change="minor")  # two versions, so the diff page has something to show
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_client = Client()
    assert panelist.user is not None
    panelist_client.force_login(panelist.user)
    panelist_client.post(f"/t/{tenant.slug}/consents/surveys/grant/")
    receipt = ConsentReceipt.objects.unscoped().get(tenant=tenant)
    staff = {role.value: make_staff(tenant=tenant, role=role) for role in STAFF_ROLES}
    other = make_staff(role=Role.OWNER)
    invitation = invitation_create(tenant=tenant, email="invited@example.test")
    release = WaitlistRelease.objects.create(tenant=tenant, method="fcfs", seed=1, requested=1, released=0)
    run = PayoutRun.objects.create(tenant=tenant, period=date(2026, 9, 1), threshold=1000, status="done")
    batch = MassPaymentBatch.objects.create(tenant=tenant, actor="matrix")
    charity = charity_add(tenant=tenant, name="Food bank")
    survey = survey_create(tenant=tenant, title="Matrix", definition=one_question())
    survey_publish(survey=survey)
    quota = quota_add(survey=survey, question_a="q1", value_a="true", limit=5)
    purchase = Receipt.objects.create(tenant=tenant, panelist=panelist, kind="photo")
    issued = {
        role.value: api_key_create(tenant=tenant, name=role.value, role=role, created_by=None) for role in API_KEY_ROLES
    }
    victim = api_key_create(tenant=tenant, name="revoked by the test", role=Role.AUDITOR, created_by=None).api_key
    slug: dict[str, object] = {"tenant_slug": tenant.slug}
    kwargs: dict[str, dict[str, object]] = {
        "consent_receipt": slug | {"receipt_id": receipt.receipt_id},
        "consent_document": slug | {"purpose_key": "surveys", "version": 1},
        "consent_document_diff": slug | {"purpose_key": "surveys"},
        "my_consent_grant": slug | {"purpose_key": "surveys"},
        "my_consent_withdraw": slug | {"purpose_key": "surveys"},
        "console_document_publish": slug | {"purpose_key": "surveys"},
        "console_consent_export": slug | {"fmt": "csv"},
        "console_api_key_revoke": slug | {"pk": victim.pk},
        "console_staff_remove": slug | {"pk": staff["auditor"].user.memberships.get().pk},
        "console_invitation_revoke": slug | {"pk": invitation.pk},
        "console_invitation_resend": slug | {"pk": invitation.pk},
        "console_release_progress": slug | {"pk": release.pk},
        "console_payout_run": slug | {"pk": run.pk},
        "console_payout_run_progress": slug | {"pk": run.pk},
        "console_mass_payment_csv": slug | {"pk": batch.pk},
        "console_mass_payment_mark_paid": slug | {"pk": batch.pk},
        "console_mass_payment_result_import": slug | {"pk": batch.pk},
        "console_charity_toggle": slug | {"pk": charity.pk},
        "ad_device_revoke": slug | {"pk": 1},  # a device nobody here has: 404 even for the panelist
        "ad_day_delete": slug | {"day": "2026-01-01"},
        **{name: slug | {"pk": survey.pk} for name in ("survey_intro", "survey_start", "survey_end", "survey_appeal")},
        "survey_page": slug | {"pk": survey.pk, "page": "p1"},
        "survey_external_return": slug | {"pk": survey.pk, "status": "complete"},
        "survey_external_callback": slug | {"pk": survey.pk},
        **{
            name: slug | {"pk": survey.pk}
            for name in (
                "console_survey",
                "console_survey_definition",
                "console_survey_export_json",
                "console_question_add",
                "console_logic_check",
                "console_survey_publish",
                "console_survey_close",
                "console_survey_settings",
                "console_quota_add",
                "console_survey_eligible",
                "console_wave_create",
                "console_survey_progress",
                "console_survey_results",
                "console_survey_export_csv",
                "console_survey_export_codebook",
                "console_survey_export_parquet",
                "console_survey_export_sav",
                "console_survey_exports",
                "console_survey_export_start",
                "console_survey_export_definition",
            )
        },
        **{
            name: slug | {"pk": survey.pk, "name": "q1"}
            for name in (
                "console_question_edit",
                "console_question_move",
                "console_question_delete",
                "console_question_logic",
                "console_logic_builder",
                "console_question_texts",
            )
        },
        "console_survey_preview": slug | {"pk": survey.pk, "page": "p1"},
        "console_page_texts": slug | {"pk": survey.pk, "page": "p1"},
        "console_survey_export_download": slug | {"token": "1.1:forged:signature"},
        "console_survey_review_approve": slug | {"pk": 1},
        "console_survey_review_reject": slug | {"pk": 1},
        "console_quota_delete": slug | {"pk": survey.pk, "cell": quota.pk},
        "receipt_detail": slug | {"public_id": purchase.public_id},
        "console_receipt_decide": slug | {"pk": purchase.pk},
        "console_receipt_approval_reverse": slug | {"pk": purchase.pk},
        "receipt_fields_confirm": slug | {"public_id": purchase.public_id},
        "receipt_appeal_send": slug | {"public_id": purchase.public_id},
        "receipt_image": slug | {"token": "forged.token"},
    }
    for token_page in ("waitlist_confirm", "waitlist_status", "waitlist_leave", "data_export_download"):
        kwargs[token_page] = slug | {"token": f"{uuid.uuid4().hex}.forged"}
    clients = {"anonymous": client, "panelist": panelist_client, "other_owner": other.client}
    clients |= {role: member.client for role, member in staff.items()}
    return World(
        slug=tenant.slug,
        kwargs=kwargs,
        api_values={
            "id": str(victim.pk),
            "public_id": panelist.public_id,
            "day": "2026-01-01",
            "receipt_id": str(purchase.public_id),
            "survey_id": str(survey.pk),
            "export_id": "1",
            "response_id": "1",
            "page": "p1",
        },
        clients=clients,
        keys={role: key.key for role, key in issued.items()},
    )


# -- the enumeration ------------------------------------------------------------------------------------


def url_names() -> Iterator[tuple[str, str]]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif not route.startswith(THIRD_PARTY) and not route.startswith("api/v1/"):
                yield str(pattern.name), route

    yield from walk(get_resolver().url_patterns, "")


def api_operations() -> Iterator[str]:
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}"


def test_every_url_and_operation_has_a_row() -> None:
    assert sorted(name for name, _route in url_names() if name not in PAGES) == []
    assert sorted(operation for operation in api_operations() if operation not in OPERATIONS) == []
    assert sorted(set(PAGES) - {name for name, _route in url_names()}) == []  # no row for a URL that is gone
    assert sorted(set(OPERATIONS) - set(api_operations())) == []


# -- the matrix -----------------------------------------------------------------------------------------


def expected_page(rule: Rule, caller: str) -> int:
    if isinstance(rule, Public):
        return rule.status
    if isinstance(rule, Front):
        return 200 if caller == "anonymous" else 302
    if caller == "anonymous":
        return 302  # to the sign-in page
    if isinstance(rule, Panelist):
        return rule.status if caller == "panelist" or rule.status == 405 else 404
    assert isinstance(rule, Staff)
    if caller in {"panelist", "other_owner"}:
        return 404
    return rule.status if Role(caller) in ROLE_PERMISSIONS[rule.perm] else 403


def test_every_page_answers_each_caller_as_the_table_says(world: World) -> None:
    wrong = []
    for name, _route in url_names():
        rule = PAGES[name]
        kwargs = world.kwargs.get(name, {"tenant_slug": world.slug} if "<slug:tenant_slug>" in _route else {})
        url = reverse(name, kwargs=kwargs) + QUERIES.get(name, "")
        for caller, client in world.clients.items():
            status = client.get(url).status_code
            if status != expected_page(rule, caller):
                wrong.append(f"{caller:>11} GET {url}: {status}, expected {expected_page(rule, caller)}")
    assert not wrong, "\n" + "\n".join(wrong)


def expected_operation(rule: Rule, caller: str) -> int:
    if isinstance(rule, PublicApi):
        return rule.status
    if caller == "anonymous" or isinstance(rule, DeviceApi):
        return 401
    if isinstance(rule, MyApi):
        if caller.startswith("key:"):
            return 403  # the panelist's own API is for people signed in, not for machines
        return rule.status if caller == "panelist" else 404
    assert isinstance(rule, Api)
    role = caller.removeprefix("key:")
    if caller == "panelist":
        return 403  # no second factor in this session: the staff API asks for it before anything else
    if caller == "other_owner":
        return 404
    return rule.status if Role(role) in ROLE_PERMISSIONS[rule.perm] else 403


def test_every_api_operation_answers_each_caller_as_the_table_says(world: World) -> None:
    wrong = []
    callers: list[tuple[str, Client, dict[str, str]]] = [
        (name, client, {"X-Tenant": world.slug}) for name, client in world.clients.items()
    ]
    callers += [(f"key:{role}", Client(), {"Authorization": f"Api-Key {key}"}) for role, key in world.keys.items()]
    for operation in api_operations():
        method, path = operation.split(" ", 1)
        url = path.format(**world.api_values)
        for caller, client, headers in callers:
            response = client.generic(method, url, data="{}", content_type="application/json", headers=headers)
            if response.status_code != expected_operation(OPERATIONS[operation], caller):
                wrong.append(
                    f"{caller:>12} {method} {url}: {response.status_code}, "
                    f"expected {expected_operation(OPERATIONS[operation], caller)}"
                )
    assert not wrong, "\n" + "\n".join(wrong)
