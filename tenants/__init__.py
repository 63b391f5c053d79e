"""Tenants: the operators that run panels, their staff, and the one path every query takes.

Invariants:
- every tenant-owned row inherits ``TenantOwnedModel`` (a non-null ``tenant`` leading its indexes and
  unique constraints) and is read through ``for_tenant()``; the only way around it is named
  ``dangerously_*``;
- the tenant is resolved once per request: from the ``/t/<slug>/`` URL prefix for pages, from the
  credential for the API; another tenant's object is a 404, never a 403 that confirms it exists;
- what each staff role may do is data (``tenants.roles.ROLE_PERMISSIONS``), not scattered checks.
"""
