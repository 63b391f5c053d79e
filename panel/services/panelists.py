from __future__ import annotations

from django.db import transaction

from accounts.models import User
from panel.models import Panelist
from tenants.models import Tenant


@transaction.atomic
def panelist_get_or_create(*, tenant: Tenant, user: User) -> tuple[Panelist, bool]:
    """The panelist row of ``user`` in ``tenant``; the partial unique constraint makes races safe."""
    return Panelist.objects.get_or_create(tenant=tenant, user=user)
