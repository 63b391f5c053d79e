from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tenants.roles import perms_for_role


def tenant(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": membership,
        "perms_in_tenant": {p.value for p in perms_for_role(membership.role if membership else None)},
    }
