"""Tenants: the operators that run panels, their staff, and the one path every query takes.

tenants owns the Tenant, staff memberships and roles (``tenants.roles``: permissions as data), API
keys, tenant resolution (``TenantMiddleware`` for pages, ``TenantApiView`` for the API), the typed
requests of pages (``tenants.http``), how console pages render and refuse (``tenants.pages``), and the
console's menu and overview, which the apps above fill (``tenants.console``).

Invariants:
- every tenant-owned row inherits ``TenantOwnedModel`` (a non-null ``tenant`` leading its indexes and
  unique constraints) and is read through ``for_tenant()``; the isolation tests call every page and
  API as another tenant's staff;
- the tenant is resolved once per request: from the ``/t/<slug>/`` URL prefix for pages, from the
  credential for the API; another tenant's object is a 404, never a 403 that confirms it exists;
- what each staff role may do is data (``ROLE_PERMISSIONS``), not scattered checks; staff pages need
  the second factor in the current login;
- an API key is shown once and stored as its SHA-256, and never holds the owner role.
"""
