"""``seed_demo`` extensions: apps above panel (rewards, later surveys) register what they add to the
demo tenant, so panel never imports them."""

from __future__ import annotations

from collections.abc import Callable

from panel.models import Panelist
from tenants.models import Tenant

DemoSeeder = Callable[[Tenant, list[Panelist]], str]
_SEEDERS: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    if seeder not in _SEEDERS:
        _SEEDERS.append(seeder)


def demo_seeders() -> list[DemoSeeder]:
    return list(_SEEDERS)
