"""The privacy registry: every category of personal data, with its purpose, retention and handlers.

Each app declares its categories in its own ``privacy.py`` (loaded by consent's ``AppConfig.ready``),
so that data-subject export (Art. 15 and 20), erasure (Art. 17) and the daily retention purge walk
one list, and a new category cannot be forgotten: ``tests/consent/test_registry.py`` fails when a
model holding personal data belongs to no category.

Handlers receive plain values:
- ``exporter(person) -> JSON-serialisable data`` (and ``files(person)`` -> (name, bytes) pairs);
- ``eraser(person) -> rows erased``; ``person.scope`` is ``"tenant"`` (leave one panel) or
  ``"account"`` (the whole account, after every tenant's membership is erased);
- ``purger(tenant, cutoff, batch_size, dry_run) -> rows purged`` for data older than ``cutoff``.

Erasers run in a fixed, declared order (``Category.erase_order``, then the key), because some of them
remove the way to the others' rows: the panel membership's eraser unlinks each panelist row from the
account, after which no category can find the person's payouts or preferences through it, and the
account's eraser deletes the account itself. So every category erases at ``ERASE_DEFAULT`` unless it
is one of those two, which go last: ``ERASE_MEMBERSHIP``, then ``ERASE_ACCOUNT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db import models

from core.registry import Registry
from tenants.models import Tenant
from tenants.roles import Perm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Person:
    """Whose data a request is about. ``tenant`` is None for account-wide steps."""

    user: Any | None  # accounts.User, or None when only the pseudonymous id is known
    tenant: Tenant | None
    subject: str | None  # the panelist's pseudonymous id in ``tenant``
    scope: str  # "tenant" or "account"


# The erasure order (lower runs first); see the module's docstring.
ERASE_DEFAULT = 100  # finds the person's rows through the account or the panelist rows linked to it
ERASE_MEMBERSHIP = 800  # unlinks the panelist rows from the account
ERASE_ACCOUNT = 900  # deletes the account


Exporter = Callable[[Person], Any]
FileExporter = Callable[[Person], Iterable[tuple[str, bytes]]]
Eraser = Callable[[Person], int]
Purger = Callable[[Tenant, datetime, int, bool], int]


@dataclass(frozen=True)
class Category:
    key: str
    name: StrOrPromise
    basis: str  # a purpose key, or a legal basis when no purpose applies
    retention_days: int | None  # the ceiling; None: kept while the relationship lasts, erased on request
    models: tuple[type[models.Model], ...]
    exporter: Exporter
    eraser: Eraser
    purger: Purger | None = None
    files: FileExporter | None = None
    notes: str = ""
    fields: tuple[str, ...] = field(default=())
    erase_order: int = ERASE_DEFAULT
    # The least a tenant may keep it (evidence the law needs), and who may change its retention.
    retention_floor_days: int | None = None
    retention_perm: Perm = Perm.PURPOSES_MANAGE

    def retention_for(self, tenant_days: int | None) -> int | None:
        """The tenant's own period, held between the floor and the ceiling; the ceiling when it has none."""
        days = self.retention_days if tenant_days is None else tenant_days
        if days is None:
            return None
        if self.retention_days is not None:
            days = min(days, self.retention_days)
        if self.retention_floor_days is not None:
            days = max(days, self.retention_floor_days)
        return days


CATEGORIES: Registry[Category] = Registry("privacy categories", key=attrgetter("key"))
register = CATEGORIES.register
category_get = CATEGORIES.get


def categories() -> list[Category]:
    return sorted(CATEGORIES, key=attrgetter("key"))


def erasure_order() -> list[Category]:
    """The categories in the order their erasers run: by ``erase_order``, then by key."""
    return sorted(CATEGORIES, key=attrgetter("erase_order", "key"))


def purge_in_batches(queryset: Any, batch_size: int, dry_run: bool, action: Callable[[Any], int] | None = None) -> int:
    """The common body of a purger: count the rows (dry run), or remove them ``batch_size`` at a time.

    ``action`` receives each batch as a queryset and returns how many rows it changed; by default the
    batch is deleted. The queryset must stop matching a row once it is handled (true of deletion, and
    of the filters purgers use), or the loop would never end.
    """
    if dry_run:
        return int(queryset.count())
    purged = 0
    while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        batch = queryset.filter(pk__in=ids)  # the same tenant's rows, still matching the purge's filters
        purged += action(batch) if action is not None else batch.delete()[0]
    return purged
