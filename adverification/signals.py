"""Withdrawing consent to ad verification revokes every device of the panelist at once.

consent keeps no registry of withdrawal hooks; each event it appends is saved as a new
``ConsentEvent`` row, so this app listens to that row's ``post_save`` (consent never imports us).
The withdrawal and the revocation share the withdrawal's transaction: both happen, or neither.
"""

from __future__ import annotations

from typing import Any

from adverification.models import Device
from adverification.services.devices import PURPOSE, devices_revoke_all
from consent.models import ConsentEvent


def revoke_devices_on_withdrawal(sender: Any, instance: ConsentEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.purpose_key != PURPOSE or instance.kind != ConsentEvent.Kind.WITHDRAW:
        return
    erased = instance.method == ConsentEvent.Method.ERASURE
    reason = Device.Revoked.ERASED if erased else Device.Revoked.WITHDRAWN
    devices_revoke_all(tenant=instance.tenant, subject=instance.subject, reason=reason)
