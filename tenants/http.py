"""The typed requests of pages, so that views read ``request.tenant`` with no cast and no ignore.

``TenantMiddleware`` sets ``tenant`` and ``membership`` on every request under ``/t/<slug>/``, and
django-htmx sets ``htmx``. A view annotates its request with the narrowest type that holds for it:

- ``TenantRequest``: any page under ``/t/<slug>/``; the visitor may be anonymous;
- ``SignedInRequest``: the same behind ``login_required``;
- ``StaffRequest``: a console page behind ``staff_required`` (staff of this tenant, second factor
  passed), so ``membership`` is never None.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from tenants.models import Membership, Tenant


class TenantRequest(HttpRequest):
    tenant: Tenant
    membership: Membership | None
    htmx: HtmxDetails


class SignedInRequest(TenantRequest):
    user: User


class StaffRequest(SignedInRequest):
    membership: Membership
