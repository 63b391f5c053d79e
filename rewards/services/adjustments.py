"""Manual bonuses and adjustments by the operator: a required reason, owners and managers only,
recorded with who posted them. A form carries a one-time key, so a double submit posts once."""

from __future__ import annotations

import re

from django.db import DataError
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, DomainError
from panel.models import Panelist
from rewards.models import LedgerTransaction
from rewards.money import money, parse_money_typed
from rewards.selectors import reward_settings_get
from rewards.services.ledger import (
    InsufficientBalance,
    Leg,
    expense_account_ensure,
    ledger_post,
    panelist_account_ensure,
    panelist_credit,
)
from tenants.models import Tenant

MANUAL_REASONS = (LedgerTransaction.Reason.BONUS, LedgerTransaction.Reason.ADJUSTMENT)


class ConfirmLargeBonus(Conflict):
    code = "confirm_large_bonus"


def ledger_manual_post(
    *,
    tenant: Tenant,
    panelist_public_id: str,
    amount: str,
    reason: str,
    memo: str,
    key: str,
    created_by: User,
    language: str = "en",
    confirmed: bool = False,
) -> LedgerTransaction:
    """Credit (a bonus, or a positive adjustment) or debit (a negative adjustment) one panelist.

    The amount is read as the operator typed it in ``language`` (grouping and decimal marks by its
    rules, no exponent). A bonus over the tenant's ``bonus_confirm_above`` needs ``confirmed``: the
    first try answers 409 ``confirm_large_bonus`` and writes nothing. A debit larger than the balance,
    or an amount the ledger cannot hold, is refused as bad input (400), as every other mistake."""
    errors: dict[str, list[str]] = {}
    memo = memo.strip()
    if not memo:
        errors["memo"] = [_("Say why: the reason is recorded with the posting.")]
    elif len(memo) > 300:
        errors["memo"] = [_("At most 300 characters.")]
    if reason not in MANUAL_REASONS:
        errors["reason"] = [_("Choose a bonus or an adjustment.")]
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        errors["key"] = [_("The form expired: reload the page.")]
    try:
        minor = parse_money_typed(amount, tenant.currency, language)
    except ValueError as exc:
        errors["amount"] = [str(exc)]
        minor = 0
    else:
        if minor == 0 or (reason == LedgerTransaction.Reason.BONUS and minor < 0):
            errors["amount"] = [_("A bonus is more than zero; an adjustment is not zero.")]
    panelist = Panelist.objects.for_tenant(tenant).filter(public_id=panelist_public_id.strip()).first()
    if panelist is None:
        errors["panelist"] = [_("No panelist with that id in this panel.")]
    if errors or panelist is None:
        raise DomainError(_("The posting was not made."), fields=errors)
    limit = reward_settings_get(tenant=tenant).bonus_confirm_above
    if reason == LedgerTransaction.Reason.BONUS and limit and minor > limit and not confirmed:
        raise ConfirmLargeBonus(
            _("This bonus of %(amount)s is over %(limit)s: confirm it to post it.")
            % {"amount": money(minor, tenant.currency), "limit": money(limit, tenant.currency)},
            fields={"confirm": [_("Tick to confirm this large bonus.")]},
        )
    idempotency_key = f"manual:{key}"
    try:
        if minor > 0:
            return panelist_credit(panelist=panelist, amount=minor, reason=reason, idempotency_key=idempotency_key,
                                   source="console", memo=memo, created_by=created_by)  # fmt: skip
        legs = [
            Leg(panelist_account_ensure(panelist=panelist), minor),
            Leg(expense_account_ensure(tenant=tenant), -minor),
        ]
        return ledger_post(tenant=tenant, idempotency_key=idempotency_key, reason=reason, legs=legs,
                           source="console", memo=memo, created_by=created_by)  # fmt: skip
    except InsufficientBalance as exc:
        raise DomainError(exc.detail, code=exc.code) from None
    except DataError:  # a balance the ledger cannot hold: refused, nothing written (the posting rolled back)
        raise DomainError(
            _("That amount is more than the ledger can hold."), code="amount_out_of_range",
            fields={"amount": [_("Use a smaller amount.")]},
        ) from None  # fmt: skip
