"""Who the data subject of a page or API request is, without consent importing the panel.

panel/ (higher in the import order) registers the resolvers in ``AppConfig.ready()``: for a signed-in
person and a tenant, their pseudonymous id, language and email; and, the other way round, for a
pseudonymous id, the address to write to while a person is still linked to it. Workers use the second
one, so that a task's message carries only ids and the address is read when the email is sent (and is
gone once the person is erased).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from core.registry import Registry
from tenants.http import TenantRequest
from tenants.models import Tenant


@dataclass(frozen=True)
class Subject:
    tenant: Tenant
    id: str  # the pseudonymous public id; what the consent log records
    language: str
    email: str


SubjectResolver = Callable[[Tenant, Any], Subject | None]
SUBJECT_RESOLVERS: Registry[SubjectResolver] = Registry("subject resolvers")


def subject_for(tenant: Tenant, user: Any) -> Subject | None:
    if user is None or not user.is_authenticated:
        return None
    for resolver in SUBJECT_RESOLVERS:
        if (subject := resolver(tenant, user)) is not None:
            return subject
    return None


def subject_for_request(request: TenantRequest) -> Subject:
    """The data subject behind a page request; anyone who is not a panelist here gets a 404."""
    subject = subject_for(request.tenant, request.user)
    if subject is None:
        raise Http404("You are not a panelist of this panel.")
    return subject


AddressResolver = Callable[[Tenant, str], str | None]
ADDRESS_RESOLVERS: Registry[AddressResolver] = Registry("subject address resolvers")


def subject_address(tenant: Tenant, subject_id: str) -> str | None:
    """The email address of the person behind ``subject_id`` now, or None (erased, or unknown)."""
    for resolver in ADDRESS_RESOLVERS:
        if address := resolver(tenant, subject_id):
            return address
    return None
