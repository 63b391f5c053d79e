"""What later parts of Fairpanel register with rewards, so that rewards never imports them.

- A *reward source* names what panelists earned in a calendar month (the receipts milestone, the
  ad-verification month). The payout run credits each source's rows before it pays, once per
  source, panelist and month: the idempotency key is ``<source>:<YYYY-MM>:<panelist id>``.
  A source declares the consent purpose of its program (``purpose``, e.g. ``receipts``): a month is
  credited only to panelists whose consent to it was active at some moment of that month, in the
  tenant's time zone. At some moment, not at the month's end: a panelist who withdraws on the 25th
  keeps what the 1st to the 25th earned (withdrawing costs nothing, GDPR Art. 7(3) and 7(4)), and a
  month without a moment of consent earns nothing, whatever the source says.
- A *pending provider* tells the wallet what a panelist may still earn (receipts under review), so
  the panelist sees it before it is credited.

Register both from an ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from core.registry import Registry
from panel.models import Panelist
from tenants.models import Tenant


@dataclass(frozen=True)
class SourceCredit:
    panelist_id: int
    amount: int  # minor units of the tenant's currency, > 0
    source: str  # what earned it, shown in the wallet, e.g. "receipts:2026-10"


@dataclass(frozen=True)
class RewardSource:
    key: str
    reason: str  # a LedgerTransaction.Reason
    # (tenant, first day of the month, first day of the next month) -> the month's credits
    collect: Callable[[Tenant, date, date], Iterable[SourceCredit]]
    purpose: str  # the consent purpose of the program; a month pays only under consent to it


@dataclass(frozen=True)
class PendingItem:
    label: str
    amount: int


REWARD_SOURCES: Registry[RewardSource] = Registry("reward sources", key=attrgetter("key"))
PENDING_PROVIDERS: Registry[Callable[[Panelist], Iterable[PendingItem]]] = Registry("pending providers")


def register_reward_source(source: RewardSource) -> RewardSource:
    if ":" in source.key:  # the key is a part of the idempotency key ``<source>:<YYYY-MM>:<panelist>``
        raise ValueError("A reward source's key cannot contain ':'.")
    return REWARD_SOURCES.register(source)


def pending_for(*, panelist: Panelist) -> list[PendingItem]:
    return [item for provider in PENDING_PROVIDERS for item in provider(panelist)]


# What a ledger source ("payout-run:12", "survey:breakfast", "console") reads as, for people: each app
# registers a labeller for its prefix (the part before the first ':'), so the wallet never shows a key.
SourceLabeller = Callable[[str, Tenant], str]  # the part after the prefix, the tenant -> a label


@dataclass(frozen=True)
class SourceLabel:
    prefix: str
    label: SourceLabeller


SOURCE_LABELS: Registry[SourceLabel] = Registry("source labels", key=attrgetter("prefix"))


def source_label(source: str, tenant: Tenant) -> str:
    """A source as people read it, in the current language; one with no labeller reads as nothing
    rather than as a key."""
    prefix, _sep, rest = source.partition(":")
    if prefix in SOURCE_LABELS:
        return SOURCE_LABELS.get(prefix).label(rest, tenant)
    return ""
