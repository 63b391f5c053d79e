"""Who the data subject of a page or API request is, without consent importing the panel.

panel/ (higher in the import order) registers the resolver in ``AppConfig.ready()``: for a signed-in
person and a tenant, it returns their pseudonymous id, language and email.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenants.models import Tenant


@dataclass(frozen=True)
class Subject:
    tenant: Tenant
    id: str  # the pseudonymous public id; what the consent log records
    language: str
    email: str


SubjectResolver = Callable[[Tenant, Any], Subject | None]
_resolvers: list[SubjectResolver] = []


def register_subject_resolver(resolver: SubjectResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def subject_for(tenant: Tenant, user: Any) -> Subject | None:
    if user is None or not user.is_authenticated:
        return None
    for resolver in _resolvers:
        if (subject := resolver(tenant, user)) is not None:
            return subject
    return None
