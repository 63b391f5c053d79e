"""The panelist's wallet: the balance and the history of what was earned and paid, with its reasons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.csvfiles import csv_line_writer
from core.errors import DomainError
from panel.models import Panelist
from rewards.models import Charity, LedgerAccount, LedgerEntry, Payout, PayoutMethod, PayoutPreference
from rewards.offers import decimal_text, reward_settings_get
from rewards.sources import PendingItem, pending_for
from tenants.models import Tenant


@dataclass(frozen=True)
class WalletLine:
    at: datetime
    amount: int
    reason: str
    reason_label: str
    source: str
    memo: str


def wallet_lines(*, panelist: Panelist) -> Iterator[WalletLine]:
    account = LedgerAccount.objects.filter(panelist=panelist).first()
    if account is None:
        return
    entries = (
        LedgerEntry.objects.filter(account=account)
        .select_related("transaction")
        .order_by("-transaction__created_at", "-id")
    )
    for entry in entries.iterator(chunk_size=500):
        txn = entry.transaction
        yield WalletLine(txn.created_at, entry.amount, txn.reason, txn.get_reason_display(), txn.source, txn.memo)


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
        PayoutMethod.CHARITY: rules.charity_enabled
        and Charity.objects.for_tenant(tenant).filter(is_active=True).exists(),
    }
    return [(m.value, str(m.label)) for m, on in offered.items() if on]


def payout_preference_get(*, panelist: Panelist) -> PayoutPreference | None:
    return PayoutPreference.objects.filter(panelist=panelist).select_related("charity").first()


def payout_preference_set(
    *, panelist: Panelist, method: str, email: str = "", charity_id: int | str | None = None
) -> PayoutPreference:
    """Choose how to be paid. Only what the panel offers; a charity must be one of the panel's."""
    tenant = panelist.tenant
    if method not in dict(payout_methods_offered(tenant=tenant)):
        raise DomainError(
            _("This panel does not offer that way of being paid."), fields={"method": [_("Not offered.")]}
        )
    email = email.strip().lower()
    charity = None
    if method == PayoutMethod.MASS_PAYMENT and email:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            raise DomainError(_("Give a valid email address, or leave it empty to use your account's."),
                              fields={"email": [_("Not an email address.")]}) from None  # fmt: skip
    if method == PayoutMethod.CHARITY:
        charity = Charity.objects.for_tenant(tenant).filter(pk=_int_or_none(charity_id) or 0, is_active=True).first()
        if charity is None:
            raise DomainError(_("Choose one of the panel's charities."), fields={"charity": [_("Unknown charity.")]})
    values = {"tenant": tenant, "method": method, "email": email if method == PayoutMethod.MASS_PAYMENT else "",
              "charity": charity}  # fmt: skip
    try:
        with transaction.atomic():
            preference, _created = PayoutPreference.objects.update_or_create(panelist=panelist, defaults=values)
    except IntegrityError:  # saved twice at once: the other one created the row, update it
        preference, _created = PayoutPreference.objects.update_or_create(panelist=panelist, defaults=values)
    return preference


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def pending_amounts(*, panelist: Panelist) -> list[PendingItem]:
    """What is on its way: earnings still under review (from the registered providers) and payouts not settled."""
    items = pending_for(panelist=panelist)
    for payout in Payout.objects.filter(panelist=panelist, status__in=["pending", "waiting_stock", "sent"]):
        items.append(PendingItem(f"{payout.get_method_display()}: {payout.get_status_display()}", payout.amount))
    return items
