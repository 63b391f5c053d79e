from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from consent.services.purposes import purposes_ensure_builtin
from tenants.models import Tenant


@receiver(post_save, sender=Tenant)
def give_new_tenants_the_builtin_purposes(sender: Any, instance: Tenant, created: bool, **kwargs: Any) -> None:
    if created:
        purposes_ensure_builtin(tenant=instance)
