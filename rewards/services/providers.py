"""The payout providers: a pool of gift-card codes, a mass-payment CSV for the finance team, and
donations to charities (settled as soon as the payout is made). Their figures are read in
``rewards.selectors``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO

import pycountry
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csvfiles import (
    MAX_REPORTED,
    MAX_ROWS,
    CsvRefused,
    csv_cell,
    csv_header,
    csv_refuse_if,
    csv_rows,
    csv_too_many,
)
from core.errors import Conflict, DomainError
from rewards.models import Charity, GiftCard, MassPaymentBatch, Payout, PayoutMethod
from rewards.money import parse_money
from rewards.selectors import reward_settings_get
from rewards.services.ledger import charity_account_ensure
from rewards.services.settlement import payouts_return, payouts_settle
from rewards.tasks import payout_giftcards_waiting_task
from tenants.models import Tenant

# -- gift cards -------------------------------------------------------------------------------------


def giftcards_import(*, tenant: Tenant, upload: IO[bytes]) -> int:
    """Add the codes of a CSV (``code,value,currency,expiry``) to the pool; all or nothing."""
    rows = csv_rows(upload)
    columns = csv_header(rows, ["code", "value", "currency", "expiry"])
    existing = set(GiftCard.objects.for_tenant(tenant).values_list("code", flat=True))
    today = timezone.localdate()
    cards: list[GiftCard] = []
    seen: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        if len(cards) + len(problems) >= MAX_ROWS:
            raise csv_too_many()
        if not any(cell.strip() for cell in row):
            continue
        code, currency = csv_cell(row, columns, "code"), csv_cell(row, columns, "currency").upper()
        reason, value, expiry = "", 0, None
        if not code or len(code) > 200 or any(c.isspace() for c in code):
            reason = _("the code is empty, too long, or contains spaces")
        elif code in seen:
            reason = _("code %(code)s… is also on line %(line)s") % {"code": code[:6], "line": seen[code]}
        elif code in existing:
            reason = _("code %(code)s… is already in the pool") % {"code": code[:6]}
        elif pycountry.currencies.get(alpha_3=currency) is None:
            reason = _("'%(currency)s' is not an ISO 4217 currency") % {"currency": currency[:10]}
        elif currency != tenant.currency:
            reason = _("the panel pays in %(ours)s, not %(theirs)s") % {"ours": tenant.currency, "theirs": currency}
        if not reason:
            try:
                value = parse_money(csv_cell(row, columns, "value"), currency)
                if value <= 0:
                    raise ValueError(_("the value must be more than zero"))
                raw = csv_cell(row, columns, "expiry")
                try:
                    expiry = date.fromisoformat(raw) if raw else None
                except ValueError:
                    raise ValueError(_("the expiry is not a YYYY-MM-DD date")) from None
                if expiry is not None and expiry <= today:
                    raise ValueError(_("it expired on %(date)s") % {"date": f"{expiry:%Y-%m-%d}"})
            except ValueError as exc:
                reason = str(exc)
        if reason:
            if len(problems) < MAX_REPORTED:
                problems[f"line {number}"] = [reason]
            continue
        seen[code] = number
        cards.append(GiftCard(tenant=tenant, code=code, value=value, currency=currency, expires_on=expiry))
    csv_refuse_if(problems)
    if not cards:
        raise CsvRefused(_("The file has no codes."), fields={"file": [_("No rows.")]})
    try:
        with transaction.atomic():
            GiftCard.objects.bulk_create(cards, batch_size=2000)
    except IntegrityError:  # the same file imported twice at once: the first import stands
        raise CsvRefused(_("Some of these codes were added a moment ago: nothing was imported."),
                         fields={"file": [_("Already in the pool.")]}) from None  # fmt: skip
    payout_giftcards_waiting_task.delay_on_commit(tenant.pk)
    return len(cards)


@dataclass(frozen=True)
class Assignment:
    paid: int
    waiting: int


def giftcards_assign(*, tenant: Tenant, payouts: list[Payout]) -> Assignment:
    """Give each gift-card payout its codes (all or none), settle the covered ones, and mark the
    rest as waiting for stock. A code is assigned at most once: its row is locked (SKIP LOCKED, so
    two workers never wait on each other) and its single ``payout`` column is set."""
    default = reward_settings_get(tenant=tenant).gift_card_value
    by_value: dict[int, list[Payout]] = {}
    for payout in payouts:
        by_value.setdefault(payout.gift_card_value or default, []).append(payout)
    now = timezone.now()
    covered: list[Payout] = []
    taken: list[GiftCard] = []
    for value, group in sorted(by_value.items()):
        wanted = {p.pk: p.amount // value for p in group if p.amount % value == 0}
        codes = list(
            GiftCard.objects.select_for_update(skip_locked=True)
            .filter(tenant=tenant, payout__isnull=True, currency=tenant.currency, value=value)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=timezone.localdate()))
            .order_by(F("expires_on").asc(nulls_last=True), "pk")[: sum(wanted.values())]
        )
        for payout in group:
            n = wanted.get(payout.pk, 0)
            if n and len(codes) >= n:
                for card in codes[:n]:
                    card.payout, card.assigned_at = payout, now
                taken += codes[:n]
                covered.append(payout)
                codes = codes[n:]
    with transaction.atomic():
        GiftCard.objects.for_tenant(tenant).bulk_update(taken, ["payout", "assigned_at"], batch_size=1000)
        payouts_settle(tenant=tenant, payouts=covered)
        short = [p.pk for p in payouts if p not in covered]
        Payout.objects.for_tenant(tenant).filter(pk__in=short, status=Payout.Status.PENDING).update(
            status=Payout.Status.WAITING_STOCK
        )
    return Assignment(len(covered), len(short))


def giftcards_assign_waiting(*, tenant: Tenant) -> Assignment:
    """Try again the payouts that waited for codes (after an import, and from the sweeper)."""
    with transaction.atomic():
        waiting = list(
            Payout.objects.select_for_update(skip_locked=True)
            .filter(tenant=tenant, status=Payout.Status.WAITING_STOCK)
            .order_by("created_at", "pk")[:5000]
        )
        return giftcards_assign(tenant=tenant, payouts=waiting) if waiting else Assignment(0, 0)


def giftcards_waiting_retry(*, tenant_ids: Iterable[int] | None = None) -> int:
    """Assign codes to the payouts that wait for them, tenant by tenant: those of ``tenant_ids``
    (after an import), or of every tenant with a payout waiting (the sweeper). Returns how many
    payouts were paid."""
    waiting = Payout.objects.unscoped().filter(status=Payout.Status.WAITING_STOCK)  # across tenants: the sweeper
    if tenant_ids is not None:
        waiting = waiting.filter(tenant_id__in=list(tenant_ids))
    tenant_pks = waiting.values_list("tenant_id", flat=True).distinct()
    return sum(giftcards_assign_waiting(tenant=t).paid for t in Tenant.objects.filter(pk__in=list(tenant_pks)))


# -- mass payments ----------------------------------------------------------------------------------


def mass_payment_batch_create(*, tenant: Tenant, actor: str) -> MassPaymentBatch | None:
    """Put every email payout that is ready into one batch for the finance team (None: nothing ready)."""
    with transaction.atomic():
        ready = list(
            Payout.objects.select_for_update()
            .filter(tenant=tenant, method=PayoutMethod.MASS_PAYMENT, status=Payout.Status.PENDING)
            .order_by("pk")
            .values_list("pk", "amount")
        )
        if not ready:
            return None
        batch = MassPaymentBatch.objects.create(
            tenant=tenant, actor=actor, payout_count=len(ready), total_amount=sum(a for _, a in ready)
        )
        Payout.objects.for_tenant(tenant).filter(pk__in=[pk for pk, _ in ready]).update(
            status=Payout.Status.SENT, batch=batch
        )
    return batch


def _batch_close_if_settled(batch: MassPaymentBatch) -> None:
    if not batch.payouts.filter(status=Payout.Status.SENT).exists():  # once: a repeat keeps the first settled_at
        open_batch = MassPaymentBatch.objects.filter(tenant_id=batch.tenant_id, pk=batch.pk)
        open_batch.filter(status=MassPaymentBatch.Status.SENT).update(
            status=MassPaymentBatch.Status.SETTLED, settled_at=timezone.now())  # fmt: skip


def mass_payment_mark_paid(*, batch: MassPaymentBatch, actor: str) -> int:
    """Finance paid the whole batch: settle every payout of it that is still out."""
    with transaction.atomic():
        sent = list(batch.payouts.filter(status=Payout.Status.SENT))
        paid = payouts_settle(tenant=batch.tenant, payouts=sent, actor=actor)
        _batch_close_if_settled(batch)
    return paid


@dataclass(frozen=True)
class ResultImport:
    paid: int
    returned: int
    unchanged: int


def mass_payment_result_import(*, batch: MassPaymentBatch, upload: IO[bytes], actor: str) -> ResultImport:
    """Apply the provider's result file (``reference,status[,note]``; status ``paid`` or
    ``returned``); all or nothing. A line repeating what is already recorded changes nothing."""
    rows = csv_rows(upload)
    columns = csv_header(rows, ["reference", "status"])
    payouts = {p.reference: p for p in batch.payouts.all()}
    decided: dict[str, tuple[str, str]] = {}
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise csv_too_many()
        if not any(cell.strip() for cell in row):
            continue
        reference, status = csv_cell(row, columns, "reference"), csv_cell(row, columns, "status").lower()
        payout = payouts.get(reference)
        reason = ""
        if payout is None:
            reason = _("'%(reference)s' is not a payout of this batch") % {"reference": reference[:40]}
        elif status not in ("paid", "returned"):
            reason = _("status '%(status)s' is neither 'paid' nor 'returned'") % {"status": status[:20]}
        elif reference in decided and decided[reference][0] != status:
            reason = _("%(reference)s is both paid and returned in this file") % {"reference": reference}
        elif payout.status in (Payout.Status.PAID, Payout.Status.RETURNED) and payout.status != status:
            reason = _("%(reference)s is already %(status)s") % {"reference": reference, "status": payout.status}
        if reason:
            if len(problems) < MAX_REPORTED:
                problems[f"line {number}"] = [reason]
            continue
        decided[reference] = (status, csv_cell(row, columns, "note"))
    csv_refuse_if(problems)
    if not decided:
        raise CsvRefused(_("The file has no results."), fields={"file": [_("No rows.")]})
    with transaction.atomic():
        # Lock every payout of the file first (in pk order), then the accounts: the order every
        # settle and return takes, so none of them deadlocks against this one.
        decided_pks = [payouts[r].pk for r in decided]
        list(Payout.objects.for_tenant(batch.tenant).select_for_update().filter(pk__in=decided_pks).order_by("pk"))
        to_pay = [payouts[r] for r, (s, _) in decided.items() if s == "paid"]
        paid = payouts_settle(tenant=batch.tenant, payouts=to_pay, actor=actor)
        back = [payouts[r] for r, (s, _) in decided.items() if s == "returned"]
        notes = {payouts[r].pk: note for r, (s, note) in decided.items() if s == "returned"}
        returned = payouts_return(tenant=batch.tenant, payouts=back, notes=notes, note="returned by the provider",
                                  actor=actor)  # fmt: skip
        _batch_close_if_settled(batch)
    return ResultImport(paid, returned, len(decided) - paid - returned)


# -- charities --------------------------------------------------------------------------------------


def charity_add(*, tenant: Tenant, name: str, website: str = "") -> Charity:
    name = name.strip()
    if not name or len(name) > 120:
        raise DomainError(_("Name the charity (at most 120 characters)."), fields={"name": [_("Required.")]})
    if Charity.objects.for_tenant(tenant).filter(name__iexact=name).exists():
        raise Conflict(_("%(name)s is already on the list.") % {"name": name}, code="charity_exists")
    try:
        with transaction.atomic():
            charity = Charity.objects.create(tenant=tenant, name=name, website=website.strip()[:200])
    except IntegrityError:  # added by a double submit a moment ago
        raise Conflict(_("%(name)s is already on the list.") % {"name": name}, code="charity_exists") from None
    charity_account_ensure(tenant=tenant, charity_id=charity.pk)  # before any payout run posts to it
    return charity


@transaction.atomic
def charity_toggle(*, charity: Charity) -> Charity:
    """Stop offering a charity, or offer it again. Its donations and its ledger account stay."""
    charity.is_active = not charity.is_active
    charity.save(update_fields=["is_active"])
    return charity
