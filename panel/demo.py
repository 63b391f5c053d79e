"""``seed_demo`` extensions: apps above panel (rewards, later surveys) register what they add to the
demo tenant, so panel never imports them."""

from __future__ import annotations

from collections.abc import Callable

from core.registry import Registry
from panel.models import Panelist
from tenants.models import Tenant

DemoSeeder = Callable[[Tenant, list[Panelist]], str]
DEMO_SEEDERS: Registry[DemoSeeder] = Registry("demo seeders")
