"""The reads of rewards: settings and balances, payout runs and their progress, the providers'
figures, the wallet, the operators' reports, and the ledger's own check. Nothing here moves money."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.csvfiles import csv_line_writer
from panel.models import Panelist
from rewards.labels import actor_label
from rewards.models import (
    Charity,
    GiftCard,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MassPaymentBatch,
    Payout,
    PayoutChunk,
    PayoutMethod,
    PayoutPreference,
    PayoutRun,
    RewardSettings,
)
from rewards.money import decimal_text
from rewards.periods import payout_due_at, previous_period
from rewards.sources import PendingItem, pending_for, source_label
from tenants.console import ChecklistStep
from tenants.models import Tenant
from tenants.roles import Perm

# -- settings and balances --------------------------------------------------------------------------


def reward_settings_get(*, tenant: Tenant) -> RewardSettings:
    """The tenant's reward settings; a tenant that never saved any gets the defaults, stored once so
    that every later read (and the payout run) sees the same row."""
    settings, _created = RewardSettings.objects.get_or_create(tenant=tenant)
    return settings


def panelist_balance(*, panelist: Panelist) -> int:
    account = LedgerAccount.objects.filter(panelist=panelist).first()
    return account.balance if account else 0


def account_balance(*, account: LedgerAccount) -> int:
    """An account's balance: a panelist's is cached on the row; the tenant's own accounts cache none
    (see ``LedgerAccount``) and sum their entries (an index-only scan of the entries' account index)."""
    if account.kind == LedgerAccount.Kind.PANELIST:
        return account.balance
    return int(
        LedgerEntry.objects.for_tenant(account.tenant)
        .filter(account_id=account.pk)
        .aggregate(total=Sum("amount", default=0))["total"]
    )


# -- payout runs ------------------------------------------------------------------------------------


def payout_run_list(*, tenant: Tenant) -> QuerySet[PayoutRun]:
    return PayoutRun.objects.for_tenant(tenant).order_by("-period")


def payout_run_get(*, tenant: Tenant, pk: int) -> PayoutRun:
    return get_object_or_404(PayoutRun.objects.for_tenant(tenant), pk=pk)


def payout_run_for_period(*, tenant: Tenant, period: date) -> PayoutRun | None:
    return PayoutRun.objects.for_tenant(tenant).filter(period=period).first()


def payout_runs_due_list(*, now: datetime | None = None) -> list[tuple[Tenant, date]]:
    """The (tenant, period) runs due now: 03:00 on the 1st in each tenant's time zone has come, no
    run exists yet, and it is less than a week late (beat was down: it still starts)."""
    now = now or timezone.now()
    due: list[tuple[Tenant, date]] = []
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        period = previous_period(tenant, now)
        at = payout_due_at(tenant, period)
        if at <= now < at + timedelta(days=7) and not PayoutRun.objects.filter(tenant=tenant, period=period).exists():
            due.append((tenant, period))
    return due


def payout_chunk_pending_ids(*, run: PayoutRun) -> list[int]:
    return list(PayoutChunk.objects.filter(run=run, status=PayoutChunk.Status.PENDING).values_list("pk", flat=True))


def payout_list(*, run: PayoutRun, status: str = "") -> QuerySet[Payout]:
    """The run's payouts in order; only those of ``status`` when it is one (anything else: all)."""
    payouts = Payout.objects.filter(run=run).select_related("panelist", "charity").order_by("pk")
    return payouts.filter(status=status) if status in Payout.Status.values else payouts


@dataclass(frozen=True)
class RunProgress:
    chunks_total: int
    chunks_done: int
    by_status: dict[str, int]
    amount: int
    payout_count: int

    @property
    def pending(self) -> int:
        return sum(self.by_status.get(s, 0) for s in ("pending", "waiting_stock", "sent"))

    @property
    def failed(self) -> int:
        return self.by_status.get("returned", 0)

    @property
    def percent(self) -> int:
        return 100 if not self.chunks_total else self.chunks_done * 100 // self.chunks_total


def payout_run_progress(*, run: PayoutRun) -> RunProgress:
    run.refresh_from_db(fields=["chunks_total", "payout_count", "total_amount", "status"])
    done = PayoutChunk.objects.filter(run=run, status=PayoutChunk.Status.DONE).count()
    by_status = dict(
        Payout.objects.filter(run=run).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return RunProgress(run.chunks_total, done, by_status, run.total_amount, run.payout_count)


# -- the operators' reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class Liability:
    owed: int
    panelists: int
    payable: int
    payable_panelists: int
    in_clearing: int


def liability(*, tenant: Tenant) -> Liability:
    """What the tenant owes its panelists: their balances, and what is on its way to them."""
    threshold = reward_settings_get(tenant=tenant).payout_threshold
    accounts = LedgerAccount.objects.for_tenant(tenant).filter(kind=LedgerAccount.Kind.PANELIST, balance__gt=0)
    totals = accounts.aggregate(
        owed=Sum("balance", default=0),
        n=Count("id"),
        payable=Sum("balance", filter=Q(balance__gte=threshold), default=0),
        payable_n=Count("id", filter=Q(balance__gte=threshold)),
    )
    clearing = LedgerAccount.objects.for_tenant(tenant).filter(kind=LedgerAccount.Kind.CLEARING).first()
    in_clearing = account_balance(account=clearing) if clearing else 0
    return Liability(totals["owed"], totals["n"], totals["payable"], totals["payable_n"], in_clearing)


def expense_by_month(*, tenant: Tenant, limit: int | None = None) -> list[dict]:
    """What rewards cost, per month and reason (reversals count against the reason they reverse),
    newest month first; each row's ``label`` names its reason."""
    labels = dict(LedgerTransaction.Reason.choices)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', t.created_at AT TIME ZONE %s)::date AS month,"
            " COALESCE(orig.reason, t.reason) AS reason, -SUM(e.amount) AS amount, COUNT(*) AS postings"
            " FROM rewards_ledgerentry e"
            " JOIN rewards_ledgeraccount a ON a.id = e.account_id AND a.kind = 'expense'"
            " JOIN rewards_ledgertransaction t ON t.id = e.transaction_id"
            " LEFT JOIN rewards_ledgertransaction orig ON orig.id = t.reverses_id"
            " WHERE e.tenant_id = %s GROUP BY 1, 2 ORDER BY 1 DESC, 2",
            [tenant.timezone, tenant.pk],
        )
        rows = cursor.fetchall()[:limit]
    return [
        {"month": m, "reason": r, "label": labels.get(r, r), "amount": int(a), "postings": n} for m, r, a, n in rows
    ]


def ledger_manual_posting_list(*, tenant: Tenant, limit: int = 20) -> list[LedgerTransaction]:
    """The latest bonuses and adjustments posted from the console, with their legs and who posted each
    (``actor_label``: a person by their address and role, never ``user:2``)."""
    postings = list(
        LedgerTransaction.objects.for_tenant(tenant)
        .filter(source="console")
        .prefetch_related("entries__account")
        .order_by("-created_at")[:limit]
    )
    for posting in postings:
        posting.actor_label = actor_label(posting.actor, tenant)
    return postings


# -- the providers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolStock:
    available: int
    available_value: int
    assigned: int
    expired: int
    waiting_payouts: int
    waiting_codes: int


def giftcard_stock(*, tenant: Tenant) -> PoolStock:
    value = reward_settings_get(tenant=tenant).gift_card_value
    today = timezone.localdate()
    usable = Q(payout__isnull=True) & (Q(expires_on__isnull=True) | Q(expires_on__gt=today))
    totals = GiftCard.objects.for_tenant(tenant).aggregate(
        available=Count("id", filter=usable & Q(value=value)),
        available_value=Sum("value", filter=usable & Q(value=value), default=0),  # the same codes as available
        assigned=Count("id", filter=Q(payout__isnull=False)),
        expired=Count("id", filter=Q(payout__isnull=True, expires_on__lte=today)),
    )
    waiting = Payout.objects.for_tenant(tenant).filter(status=Payout.Status.WAITING_STOCK)
    agg = waiting.aggregate(n=Count("id"), amount=Sum("amount", default=0))
    return PoolStock(totals["available"], totals["available_value"], totals["assigned"], totals["expired"],
                     agg["n"], agg["amount"] // value)  # fmt: skip


def mass_payment_pending(*, tenant: Tenant) -> tuple[int, int]:
    agg = Payout.objects.for_tenant(tenant).filter(method=PayoutMethod.MASS_PAYMENT, status=Payout.Status.PENDING)
    totals = agg.aggregate(n=Count("id"), amount=Sum("amount", default=0))
    return totals["n"], totals["amount"]


def mass_payment_batch_list(*, tenant: Tenant, limit: int = 24) -> QuerySet[MassPaymentBatch]:
    return MassPaymentBatch.objects.for_tenant(tenant).order_by("-pk")[:limit]


def mass_payment_batch_get(*, tenant: Tenant, pk: int) -> MassPaymentBatch:
    return get_object_or_404(MassPaymentBatch.objects.for_tenant(tenant), pk=pk)


def mass_payment_csv(*, batch: MassPaymentBatch) -> Iterator[str]:
    """The batch for the payment provider: recipient email, amount (exact decimal), currency, reference."""
    writer = csv_line_writer()
    yield writer.writerow(["recipient_email", "amount", "currency", "reference"])
    for email, amount, currency, reference in (
        batch.payouts.order_by("pk").values_list("email", "amount", "currency", "reference").iterator(chunk_size=2000)
    ):
        yield writer.writerow([email, decimal_text(amount, currency), currency, reference])


@dataclass(frozen=True)
class CharityTotal:
    charity: Charity
    donated: int
    donations: int


def _entries_sum() -> Coalesce:
    """The sum of an account's entries (0 without any), read through the (tenant, account, transaction)
    index."""
    legs = LedgerEntry.objects.filter(tenant_id=OuterRef("tenant_id"), account_id=OuterRef("pk"))
    return Coalesce(Subquery(legs.values("account_id").annotate(total=Sum("amount")).values("total")[:1]), 0)


def charity_totals(*, tenant: Tenant) -> list[CharityTotal]:
    balances = dict(  # the charities' accounts cache no balance: the sums of their entries
        LedgerAccount.objects.for_tenant(tenant)
        .filter(kind=LedgerAccount.Kind.CHARITY)
        .annotate(total=_entries_sum())
        .values_list("key", "total")
    )
    counts = dict(
        Payout.objects.for_tenant(tenant)
        .filter(method=PayoutMethod.CHARITY, status=Payout.Status.PAID)
        .values_list("charity_id")
        .annotate(n=Count("id"))
        .values_list("charity_id", "n")
    )
    return [
        CharityTotal(c, balances.get(f"charity:{c.pk}", 0), counts.get(c.pk, 0))
        for c in Charity.objects.for_tenant(tenant).order_by("name")
    ]


def charity_get(*, tenant: Tenant, pk: int) -> Charity:
    return get_object_or_404(Charity.objects.for_tenant(tenant), pk=pk)


def charity_list_active(*, tenant: Tenant) -> QuerySet[Charity]:
    return Charity.objects.for_tenant(tenant).filter(is_active=True).order_by("name")


# -- the wallet -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletLine:
    at: datetime
    amount: int
    reason: str
    reason_label: str
    source: str  # the ledger's key of what earned it ("survey:breakfast")
    memo: str
    source_label: str = ""  # the same, as people read it ("Breakfast habits survey")


def wallet_lines(*, panelist: Panelist) -> Iterator[WalletLine]:
    account = LedgerAccount.objects.filter(panelist=panelist).first()
    if account is None:
        return
    entries = (
        LedgerEntry.objects.filter(tenant_id=account.tenant_id, account=account)
        .select_related("transaction")
        .order_by("-transaction__created_at", "-id")
    )
    for entry in entries.iterator(chunk_size=500):
        txn = entry.transaction
        label = source_label(txn.source, panelist.tenant)
        yield WalletLine(
            txn.created_at, entry.amount, txn.reason, txn.get_reason_display(), txn.source, txn.memo, label
        )


def wallet_csv(*, panelist: Panelist, currency: str) -> Iterator[str]:
    """The history as CSV rows (amounts in major units as exact decimals, never floats)."""
    writer = csv_line_writer()
    yield writer.writerow(["date", "amount", "currency", "reason", "source", "memo"])
    for line in wallet_lines(panelist=panelist):
        amount = decimal_text(line.amount, currency)
        yield writer.writerow([line.at.isoformat(), amount, currency, line.reason, line.source, line.memo])


def wallet_payouts(*, panelist: Panelist, limit: int = 24) -> list[Payout]:
    """The panelist's payouts, newest first, with their gift-card codes."""
    return list(
        Payout.objects.filter(panelist=panelist)
        .select_related("run", "charity")
        .prefetch_related("gift_cards")
        .order_by("-created_at", "-pk")[:limit]
    )


def payout_methods_offered(*, tenant: Tenant) -> list[tuple[str, str]]:
    rules = reward_settings_get(tenant=tenant)
    offered = {
        PayoutMethod.MASS_PAYMENT: rules.mass_payment_enabled,
        PayoutMethod.GIFT_CARD: rules.gift_cards_enabled,
        PayoutMethod.CHARITY: rules.charity_enabled and charity_list_active(tenant=tenant).exists(),
    }
    return [(m.value, str(m.label)) for m, on in offered.items() if on]


def payout_preference_get(*, panelist: Panelist) -> PayoutPreference | None:
    return PayoutPreference.objects.filter(panelist=panelist).select_related("charity").first()


def pending_amounts(*, panelist: Panelist) -> list[PendingItem]:
    """What is on its way: earnings still under review (from the registered providers) and payouts not settled."""
    items = pending_for(panelist=panelist)
    for payout in Payout.objects.filter(panelist=panelist, status__in=["pending", "waiting_stock", "sent"]):
        items.append(PendingItem(f"{payout.get_method_display()}: {payout.get_status_display()}", payout.amount))
    return items


# -- the ledger's own check (``ledger_check``) ------------------------------------------------------


def ledger_violations(*, tenant: Tenant) -> list[str]:
    """Every broken invariant of ``tenant``'s ledger, described; empty when the ledger holds."""
    problems: list[str] = []
    legless = (
        LedgerTransaction.objects.for_tenant(tenant)
        .filter(entries__isnull=True)
        .values_list("idempotency_key", flat=True)
    )
    problems += [f"transaction {key} has no legs" for key in legless]
    unbalanced = (
        LedgerEntry.objects.for_tenant(tenant)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id")
    )
    problems += [f"transaction {row['transaction_id']} sums to {row['total']}, not 0" for row in unbalanced]
    negative = LedgerAccount.objects.for_tenant(tenant).filter(kind=LedgerAccount.Kind.PANELIST, balance__lt=0)
    problems += [f"account {a.key} is negative ({a.balance})" for a in negative.order_by("pk")]
    drifted = (
        LedgerAccount.objects.for_tenant(tenant)
        .filter(kind=LedgerAccount.Kind.PANELIST)
        .annotate(total=Sum("entries__amount", default=0))
        .filter(~Q(balance=F("total")))
        .order_by("pk")
    )
    problems += [f"account {a.key} caches {a.balance} but its entries sum to {a.total}" for a in drifted]
    cached = LedgerAccount.objects.for_tenant(tenant).exclude(kind=LedgerAccount.Kind.PANELIST).exclude(balance=0)
    problems += [f"account {a.key} caches a balance ({a.balance}); the tenant's accounts sum their entries"
                 for a in cached.order_by("pk")]  # fmt: skip
    runs = (
        PayoutRun.objects.for_tenant(tenant)
        .annotate(n=Count("payouts"), total=Sum("payouts__amount", default=0))
        .order_by("period")
    )
    for run in runs:
        if (run.payout_count, run.total_amount) != (run.n, run.total):
            problems.append(
                f"payout run {run.period:%Y-%m} records {run.payout_count} payouts for {run.total_amount}"
                f" but has {run.n} for {run.total}"
            )
        posted = (
            LedgerEntry.objects.for_tenant(tenant)
            .filter(transaction__source=f"payout-run:{run.pk}", account__kind=LedgerAccount.Kind.CLEARING)
            .aggregate(total=Sum("amount", default=0), n=Count("id"))
        )
        if (posted["n"], posted["total"]) != (run.n, run.total):
            problems.append(
                f"payout run {run.period:%Y-%m} has {run.n} payouts for {run.total}"
                f" but its ledger postings are {posted['n']} for {posted['total']}"
            )
    return problems


def rewards_checklist(tenant: Tenant) -> list[ChecklistStep]:
    """rewards' first-run step: the operator has said what the programs pay."""
    confirmed = RewardSettings.objects.filter(tenant=tenant, confirmed_at__isnull=False).exists()
    return [ChecklistStep(20, _("Set what the programs pay"), confirmed, "console_rewards", Perm.PAYOUTS_MANAGE)]
