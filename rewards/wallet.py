"""The panelist's wallet: the balance and the history of what was earned and paid, with its reasons."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerEntry
from rewards.offers import as_decimal, exponent


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


class _Echo:
    def write(self, value: str) -> str:
        return value


def wallet_csv(*, panelist: Panelist, currency: str) -> Iterator[str]:
    """The history as CSV rows (amounts in major units as exact decimals, never floats)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(["date", "amount", "currency", "reason", "source", "memo"])
    for line in wallet_lines(panelist=panelist):
        amount = f"{as_decimal(line.amount, currency):.{exponent(currency)}f}"
        yield writer.writerow([line.at.isoformat(), amount, currency, line.reason, line.source, line.memo])
