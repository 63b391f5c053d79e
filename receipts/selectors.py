"""Reads of receipts: the program, a panelist's receipts and progress, the review queue, similar
receipts, and the console's figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Length, StrIndex, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.services.consent import consent_require
from core.csvfiles import csv_line_writer
from core.errors import DomainError
from panel.models import Panelist
from receipts.models import (
    Merchant,
    Reason,
    Receipt,
    ReceiptAppeal,
    ReceiptCheck,
    ReceiptDecision,
    ReceiptImage,
    ReceiptProgram,
    ReceiptTally,
    merchant_key,
)
from rewards.periods import month_start_local, next_month
from rewards.selectors import reward_settings_get
from tenants.console import OverviewCard
from tenants.models import Tenant
from tenants.roles import Perm

# Two perceptual hashes this close (of 256 bits) are the same receipt photographed or encoded again.
SIMILAR_BITS = 24


def receipt_program_get(*, tenant: Tenant) -> ReceiptProgram:
    """The tenant's program, or the defaults (unsaved) until an operator saves it."""
    return ReceiptProgram.objects.for_tenant(tenant).first() or ReceiptProgram(tenant=tenant)


MERCHANT_MATCH_MIN = 4


def merchant_directory(*, tenant: Tenant) -> QuerySet[Merchant]:
    """The tenant's merchant directory, by category then shop."""
    return Merchant.objects.for_tenant(tenant).order_by("category", "key")


def merchant_category(*, tenant: Tenant, merchant: str) -> str:
    """The category of a receipt's merchant in the directory: that of the longest shop name of the
    directory found in the merchant's name ("BIO MARKET PARIS 11" is a "Bio Market"), or "". A name
    shorter than ``MERCHANT_MATCH_MIN`` letters and digits ("H&M") must match the whole name."""
    key = merchant_key(merchant)
    if not key:
        return ""
    found = (
        Merchant.objects.for_tenant(tenant)
        .annotate(at=StrIndex(Value(key), F("key")), length=Length("key"))
        .filter(Q(key=key) | Q(at__gt=0, length__gte=MERCHANT_MATCH_MIN))
        .order_by("-length", "key")
        .values_list("category", flat=True)
        .first()
    )
    return found or ""


@dataclass(frozen=True)
class Step:
    number: int  # 1 for the reward settings' milestone, then 2, 3... by growing count
    receipts: int  # approved receipts in the month that reach it
    amount: int  # what it pays, in minor units


def milestone_steps(*, tenant: Tenant, program: ReceiptProgram | None = None) -> list[Step]:
    """The month's milestone steps: the first from the reward settings (10 receipts for 10.00 by
    default), then the program's further steps, by growing count. A further step at or below the
    first's count (the settings changed since) is left out."""
    rules = reward_settings_get(tenant=tenant)
    steps = [Step(1, rules.receipts_required, rules.receipts_reward)]
    further = (program or receipt_program_get(tenant=tenant)).milestone_steps or []
    for step in sorted(further, key=lambda s: int(s["receipts"])):
        if int(step["receipts"]) > steps[-1].receipts:
            steps.append(Step(len(steps) + 1, int(step["receipts"]), int(step["amount"])))
    return steps


def receipt_list(*, panelist: Panelist) -> QuerySet[Receipt]:
    return (
        Receipt.objects.for_tenant(panelist.tenant)
        .filter(panelist=panelist)
        .select_related("appeal")
        .order_by("-submitted_at", "-id")
    )


def receipt_get(*, panelist: Panelist, public_id: uuid.UUID | str) -> Receipt:
    """One of the panelist's own receipts; anyone else's (or a malformed id) is a 404."""
    try:
        return receipt_list(panelist=panelist).get(public_id=public_id)
    except (Receipt.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such receipt.") from None


def receipt_get_for_staff(*, tenant: Tenant, pk: int) -> Receipt:
    receipt = Receipt.objects.for_tenant(tenant).filter(pk=pk).select_related("panelist").first()
    if receipt is None:
        raise Http404("No such receipt.")
    return receipt


def receipt_images(*, receipt: Receipt) -> list[ReceiptImage]:
    return list(ReceiptImage.objects.filter(tenant_id=receipt.tenant_id).filter(receipt=receipt).order_by("position"))


def receipts_recent_count(*, panelist: Panelist, now: datetime | None = None, exclude: int | None = None) -> int:
    """The panelist's receipts submitted in the last 7 days (the program's weekly limit)."""
    since = (now or timezone.now()) - timedelta(days=7)
    rows = Receipt.objects.for_tenant(panelist.tenant).filter(panelist=panelist, submitted_at__gte=since)
    return rows.exclude(pk=exclude).count() if exclude else rows.count()


def similar_images(*, receipt: Receipt) -> list[tuple[int, int]]:
    """Other receipts of the tenant with an image whose perceptual hash is within ``SIMILAR_BITS`` of
    one of this receipt's: (receipt id, differing bits), closest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT other.receipt_id, MIN(bit_count(('x' || other.phash)::bit(256) # ('x' || mine.phash)::bit(256)))"
            " FROM receipts_receiptimage mine JOIN receipts_receiptimage other"
            "   ON other.tenant_id = mine.tenant_id AND other.receipt_id <> mine.receipt_id"
            " WHERE mine.tenant_id = %s AND mine.receipt_id = %s"
            "   AND bit_count(('x' || other.phash)::bit(256) # ('x' || mine.phash)::bit(256)) <= %s"
            " GROUP BY other.receipt_id ORDER BY 2, 1 LIMIT 10",
            [receipt.tenant_id, receipt.pk, SIMILAR_BITS],
        )
        return [(int(row[0]), int(row[1])) for row in cursor.fetchall()]


def fingerprint_twin(*, receipt: Receipt) -> Receipt | None:
    """Another receipt of the tenant, not rejected, with the same keyed fingerprint."""
    if not receipt.fingerprint:
        return None
    return (
        Receipt.objects.filter(tenant_id=receipt.tenant_id)
        .filter(fingerprint=receipt.fingerprint)
        .exclude(pk=receipt.pk)
        .exclude(status=Receipt.Status.REJECTED)
        .order_by("id")
        .first()
    )


def review_queue(*, tenant: Tenant, reviewer_actor: str) -> QuerySet[Receipt]:
    """Receipts waiting for a person, oldest first; an appeal is never offered to whoever decided first."""
    return (
        Receipt.objects.for_tenant(tenant)
        .filter(status=Receipt.Status.REVIEW)
        .exclude(appeal__first_actor=reviewer_actor, appeal__decided_at__isnull=True)
        .order_by("confirmed_at", "id")
    )


@dataclass(frozen=True)
class QueueStats:
    waiting: int
    appeals: int
    oldest_hours: int


def review_queue_stats(*, tenant: Tenant, now: datetime | None = None) -> QueueStats:
    rows = Receipt.objects.for_tenant(tenant).filter(status=Receipt.Status.REVIEW)
    figures = rows.aggregate(
        waiting=Count("id"), appeals=Count("id", filter=Q(appeal__decided_at__isnull=True, appeal__isnull=False))
    )
    oldest = rows.order_by("confirmed_at").values_list("confirmed_at", flat=True).first()
    hours = int(((now or timezone.now()) - oldest).total_seconds() // 3600) if oldest else 0
    return QueueStats(figures["waiting"], figures["appeals"], hours)


@dataclass(frozen=True)
class Progress:
    month: date
    approved: int
    required: int  # the count of the next step to reach (of the last, once every step is paid)
    under_review: int
    paid: bool  # every step of the month is paid
    reward: int  # what the next step pays
    steps: list[Step]
    paid_steps: int


def receipt_progress(*, panelist: Panelist, now: datetime | None = None) -> Progress:
    """This month's approved receipts toward the next milestone step, and those still waiting for a
    decision."""
    tenant = panelist.tenant
    month = month_start_local(tenant, now)
    tally = ReceiptTally.objects.for_tenant(tenant).filter(panelist=panelist, month=month).first()
    steps = milestone_steps(tenant=tenant)
    paid_steps = tally.paid_steps if tally else 0
    waiting = (
        Receipt.objects.for_tenant(tenant)
        .filter(
            panelist=panelist, status__in=[Receipt.Status.READING, Receipt.Status.TO_CONFIRM, Receipt.Status.REVIEW]
        )
        .count()
    )
    following = next((step for step in steps if step.number > paid_steps), None)
    target = following or steps[-1]
    return Progress(
        month=month,
        approved=tally.approved if tally else 0,
        required=target.receipts,
        under_review=waiting,
        paid=following is None,
        reward=target.amount,
        steps=steps,
        paid_steps=paid_steps,
    )


def receipt_decisions(*, receipt: Receipt) -> list[ReceiptDecision]:
    return list(
        ReceiptDecision.objects.filter(tenant_id=receipt.tenant_id).filter(receipt=receipt).order_by("created_at", "id")
    )


def receipt_appeal_get(*, receipt: Receipt) -> ReceiptAppeal | None:
    return ReceiptAppeal.objects.filter(tenant_id=receipt.tenant_id).filter(receipt=receipt).first()


def receipts_consent_active(*, panelist: Panelist) -> bool:
    """Whether the panelist may send receipts now (active consent to the current terms of ``receipts``)."""
    try:
        consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="receipts")
    except DomainError:
        return False
    return True


def receipt_checks(*, receipt: Receipt) -> list[ReceiptCheck]:
    return list(ReceiptCheck.objects.filter(tenant_id=receipt.tenant_id, receipt=receipt).order_by("id"))


@dataclass(frozen=True)
class MonthFigures:
    month: date
    sent: int
    approved: int
    rejected: int

    @property
    def approval_rate(self) -> int:
        decided = self.approved + self.rejected
        return round(100 * self.approved / decided) if decided else 0


def receipts_per_month(*, tenant: Tenant, months: int = 12) -> list[MonthFigures]:
    """Receipts sent per calendar month (the tenant's time zone), newest first, with their outcomes."""
    rows = (
        Receipt.objects.for_tenant(tenant)
        .annotate(month=TruncMonth("submitted_at", tzinfo=tenant.tzinfo))
        .values("month")
        .annotate(
            sent=Count("id"),
            approved=Count("id", filter=Q(status=Receipt.Status.APPROVED)),
            rejected=Count("id", filter=Q(status=Receipt.Status.REJECTED)),
        )
        .order_by("-month")[:months]
    )
    return [MonthFigures(row["month"].date(), row["sent"], row["approved"], row["rejected"]) for row in rows]


def rejection_reasons_top(*, tenant: Tenant, limit: int = 8) -> list[tuple[str, str, int]]:
    """The most frequent reasons of rejection: (code, text, count)."""
    labels = dict(Reason.choices)
    rows = (
        Receipt.objects.for_tenant(tenant)
        .filter(status=Receipt.Status.REJECTED)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")[:limit]
    )
    return [(row["reason"], str(labels.get(row["reason"], row["reason"])), row["n"]) for row in rows]


def reviewer_throughput(*, tenant: Tenant, days: int = 30, now: datetime | None = None) -> list[tuple[str, int, int]]:
    """Decisions made by each person in the last ``days``: (actor, decisions, of which appeals)."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows = (
        ReceiptDecision.objects.for_tenant(tenant)
        .filter(created_at__gte=since)
        .exclude(actor="system")
        .values("actor")
        .annotate(n=Count("id"), appeals=Count("id", filter=Q(on_appeal=True)))
        .order_by("-n", "actor")
    )
    return [(row["actor"], row["n"], row["appeals"]) for row in rows]


def receipt_figures(*, tenant: Tenant) -> dict[str, object]:
    """The program's figures in one place (the operators' API): receipts per month, the top reasons
    of rejection, each reviewer's throughput, the review queue."""
    return {
        "months": receipts_per_month(tenant=tenant),
        "rejection_reasons": [{"reason": code, "count": n} for code, _label, n in rejection_reasons_top(tenant=tenant)],
        "reviewers": [
            {"reviewer": actor, "decisions": n, "appeals": appeals}
            for actor, n, appeals in reviewer_throughput(tenant=tenant)
        ],
        "queue": review_queue_stats(tenant=tenant),
    }


def receipts_overview(tenant: Tenant) -> list[OverviewCard]:
    """The review queue's size and age on the console overview (registered in ``ready()``)."""
    stats = review_queue_stats(tenant=tenant)
    return [
        OverviewCard(_("Receipts waiting for review"), stats.waiting, Perm.RECEIPTS_REVIEW),
        OverviewCard(_("Appeals waiting"), stats.appeals, Perm.RECEIPTS_REVIEW),
        OverviewCard(_("Oldest receipt in the queue (hours)"), stats.oldest_hours, Perm.RECEIPTS_REVIEW),
    ]


def similar_receipts(*, receipt: Receipt) -> list[tuple[Receipt, int]]:
    """The receipts whose pictures look like this one's, with how many bits of 256 differ."""
    found = similar_images(receipt=receipt)
    by_id = Receipt.objects.for_tenant(receipt.tenant).in_bulk([pk for pk, _bits in found])
    return [(by_id[pk], bits) for pk, bits in found if pk in by_id]


def receipt_list_for_staff(
    *, tenant: Tenant, status: str = "", reason: str = "", panelist: str = "", month: str = ""
) -> QuerySet[Receipt]:
    """The tenant's receipts, newest first, filtered by status, reason, panelist id or month sent."""
    rows = Receipt.objects.for_tenant(tenant).select_related("panelist").order_by("-submitted_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if reason:
        rows = rows.filter(reason=reason)
    if panelist:
        rows = rows.filter(panelist__public_id=panelist)
    if month:
        try:
            first = date.fromisoformat(month + "-01")
        except ValueError:
            raise DomainError("Write the month as YYYY-MM.", fields={"month": ["Use YYYY-MM."]}) from None
        start = datetime.combine(first, datetime.min.time(), tzinfo=tenant.tzinfo)
        end = datetime.combine(next_month(first), datetime.min.time(), tzinfo=tenant.tzinfo)
        rows = rows.filter(submitted_at__gte=start, submitted_at__lt=end)
    return rows


def receipt_get_by_public_id(*, tenant: Tenant, public_id: uuid.UUID | str) -> Receipt:
    try:
        return Receipt.objects.for_tenant(tenant).select_related("panelist").get(public_id=public_id)
    except (Receipt.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such receipt.") from None


EXPORT_COLUMNS = ["id", "panelist", "kind", "status", "reason", "submitted_at", "decided_at", "merchant",
                  "purchase_date", "total", "currency", "receipt_number", "read_total", "flags"]  # fmt: skip


def receipts_export_rows(*, rows: QuerySet[Receipt]) -> Iterator[list[str]]:
    """The receipts as rows of ``EXPORT_COLUMNS``, read in chunks."""
    for r in rows.prefetch_related("checks").iterator(chunk_size=2000):
        yield [
            str(r.public_id), r.panelist.public_id, r.kind, r.status, r.reason, r.submitted_at.isoformat(),
            r.decided_at.isoformat() if r.decided_at else "", r.merchant,
            r.purchase_date.isoformat() if r.purchase_date else "", "" if r.total is None else str(r.total),
            r.currency, r.receipt_number, "" if r.read_total is None else str(r.read_total),
            " ".join(sorted(c.code for c in r.checks.all())),
        ]  # fmt: skip


def receipts_csv(*, rows: QuerySet[Receipt]) -> Iterator[str]:
    """The receipts as CSV lines (cells that could run as formulas are neutralised)."""
    writer = csv_line_writer()
    yield writer.writerow(EXPORT_COLUMNS)
    for row in receipts_export_rows(rows=rows):
        yield writer.writerow(row)
