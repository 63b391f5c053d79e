"""Staff roles and what each may do, declared as data.

Views and APIs name the permission they need; nothing else compares roles.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    REVIEWER = "reviewer", _("Reviewer")
    AUDITOR = "auditor", _("Auditor")


class Perm(StrEnum):
    CONSOLE_VIEW = "console.view"
    TEAM_VIEW = "team.view"
    TEAM_MANAGE = "team.manage"
    APIKEYS_MANAGE = "apikeys.manage"
    PANELISTS_VIEW = "panelists.view"
    WAITLIST_MANAGE = "waitlist.manage"
    INVITATIONS_MANAGE = "invitations.manage"
    CONSENT_AUDIT = "consent.audit"
    PURPOSES_MANAGE = "purposes.manage"
    EVIDENCE_RETENTION_MANAGE = "evidence_retention.manage"
    SURVEYS_MANAGE = "surveys.manage"
    SURVEYS_REVIEW = "surveys.review"
    RECEIPTS_REVIEW = "receipts.review"
    RECEIPTS_MANAGE = "receipts.manage"
    PAYOUTS_MANAGE = "payouts.manage"
    REPORTS_VIEW = "reports.view"
    AD_PROGRAM_MANAGE = "ad_program.manage"
    AD_REPORTS_VIEW = "ad_reports.view"


_ALL = frozenset(Role)
ROLE_PERMISSIONS: dict[Perm, frozenset[Role]] = {
    Perm.CONSOLE_VIEW: _ALL,
    Perm.TEAM_VIEW: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.TEAM_MANAGE: frozenset({Role.OWNER}),
    Perm.APIKEYS_MANAGE: frozenset({Role.OWNER}),
    Perm.PANELISTS_VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.REVIEWER}),
    Perm.WAITLIST_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.INVITATIONS_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    # Auditors read the consent log; owners see it too. Nobody else does.
    Perm.CONSENT_AUDIT: frozenset({Role.OWNER, Role.AUDITOR}),
    # Writing what panelists consent to is the operators' job; auditors only read it.
    Perm.PURPOSES_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    # How long the proof of consent is kept is the controller's own decision: owners only.
    Perm.EVIDENCE_RETENTION_MANAGE: frozenset({Role.OWNER}),
    Perm.SURVEYS_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.SURVEYS_REVIEW: frozenset({Role.OWNER, Role.MANAGER, Role.REVIEWER}),
    Perm.RECEIPTS_REVIEW: frozenset({Role.OWNER, Role.MANAGER, Role.REVIEWER}),
    # The receipt program's rules (windows, merchants, limits) are the operators' to set.
    Perm.RECEIPTS_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.PAYOUTS_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.REPORTS_VIEW: frozenset({Role.OWNER, Role.MANAGER}),
    # The ad-verification watch list is the operators' to set; reviewers read its reports too.
    Perm.AD_PROGRAM_MANAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Perm.AD_REPORTS_VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.REVIEWER}),
}

# An API key acts with a role, never as an owner: owning a tenant stays with people.
API_KEY_ROLES = [Role.MANAGER, Role.REVIEWER, Role.AUDITOR]


def role_has_perm(role: str | None, perm: Perm) -> bool:
    return role is not None and role in ROLE_PERMISSIONS[perm]


def perms_for_role(role: str | None) -> frozenset[Perm]:
    return frozenset(perm for perm in Perm if role_has_perm(role, perm))
