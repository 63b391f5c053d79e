"""The tenant's receipt program: eligibility (merchants and categories, as an allow- or a block-list),
limits and windows; and the merchant directory that gives merchants their categories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, validation_fields
from receipts.models import Merchant, ReceiptProgram, merchant_key
from receipts.selectors import receipt_program_get
from rewards.money import parse_money_typed
from rewards.selectors import reward_settings_get
from tenants.models import Tenant

EDITABLE = ("photo_window_days", "pdf_window_days", "merchant_rule", "merchants", "categories", "weekly_limit",
            "images_max", "file_max_bytes", "pdf_pages_max", "milestone_steps")  # fmt: skip
STEPS_MAX = 5  # further steps of the milestone
STEP_AMOUNT_MAX = 10**9
LIST_LENGTHS = {"merchants": 100, "categories": 60}
DIRECTORY_MAX = 5000  # lines of a merchant directory


def _names(value: Any, length: int) -> list[str]:
    """A list of names from a list, or from text with one a line; blanks dropped, each cut to ``length``."""
    lines = value.splitlines() if isinstance(value, str) else list(value or [])
    return [str(line).strip()[:length] for line in lines if str(line).strip()]


def _steps(value: Any, *, tenant: Tenant, language: str) -> list[dict[str, int]]:
    """The milestone's further steps, checked: ``{"receipts": n, "amount": minor units}`` each (an amount
    may be typed, in major units, in ``language``), more receipts than the first step, by growing count."""
    first = reward_settings_get(tenant=tenant).receipts_required
    if not isinstance(value, list) or len(value) > STEPS_MAX:
        message = _("At most %(n)s further steps.") % {"n": STEPS_MAX}
        raise DomainError(message, fields={"milestone_steps": [message]})
    steps: dict[int, int] = {}
    errors: list[str] = []
    for item in value:
        try:
            receipts = int(item["receipts"])
            typed = item["amount"]
            amount = parse_money_typed(typed, tenant.currency, language) if isinstance(typed, str) else int(typed)
        except ValueError as exc:
            errors.append(str(exc) if str(exc) and "invalid literal" not in str(exc) else _("Give whole numbers."))
            continue
        except (KeyError, TypeError):
            errors.append(_("Each step needs a number of receipts and an amount."))
            continue
        if not first < receipts <= 1000:
            errors.append(_("A further step needs more receipts than the first step (%(n)s), and at most 1000.")
                          % {"n": first})  # fmt: skip
        elif not 0 < amount <= STEP_AMOUNT_MAX:
            errors.append(_("A step pays more than zero."))
        elif receipts in steps:
            errors.append(_("Two steps at %(n)s receipts.") % {"n": receipts})
        else:
            steps[receipts] = amount
    if errors:
        raise DomainError(_("Some steps of the milestone are not valid."), fields={"milestone_steps": errors})
    return [{"receipts": receipts, "amount": steps[receipts]} for receipts in sorted(steps)]


@transaction.atomic
def receipt_program_update(*, tenant: Tenant, values: Mapping[str, Any], language: str = "en") -> ReceiptProgram:
    """Change the program's rules. ``milestone_steps`` lists the milestone's further steps (the first is
    the reward settings' count and amount); their amounts are minor units, or typed in ``language``."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(unknown)}.", fields={name: ["Unknown."] for name in unknown})
    program = receipt_program_get(tenant=tenant)
    for name, value in values.items():
        if name == "milestone_steps":
            value = _steps(value, tenant=tenant, language=language)
        elif name in LIST_LENGTHS:
            value = _names(value, LIST_LENGTHS[name])
        setattr(program, name, value)
    if program.merchant_rule != ReceiptProgram.MerchantRule.ANY and not (program.merchants or program.categories):
        message = _("List the merchants or the categories the rule applies to.")
        raise DomainError(message, fields={"merchants": [message], "categories": [message]})
    try:
        program.full_clean(exclude=["tenant"])
    except ValidationError as exc:
        raise DomainError(_("Some settings are not valid; see the fields."), fields=validation_fields(exc)) from None
    program.save()
    return program


def _directory_lines(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``shop = category`` lines (the last ``=`` splits them); blank lines are skipped."""
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, category = line.rpartition("=")
        if not equals:
            errors.append(_("Line %(n)s: write the shop, then “=”, then its category.") % {"n": number})
            continue
        pairs.append((name, category))
    return pairs, errors


@transaction.atomic
def merchant_directory_replace(*, tenant: Tenant, entries: str | Sequence[tuple[str, str]]) -> list[Merchant]:
    """Replace the tenant's merchant directory with ``entries``: ``(shop or alias, category)`` pairs, or
    text with a ``shop = category`` line each. All or nothing: any mistake refuses the whole, with the
    lines at fault. A name listed twice with the same category counts once, as first written."""
    pairs, errors = _directory_lines(entries) if isinstance(entries, str) else (list(entries), [])
    rows: dict[str, Merchant] = {}
    for raw_name, raw_category in pairs:
        name, category = str(raw_name).strip(), str(raw_category).strip()
        key = merchant_key(name)
        if not key or not merchant_key(category):
            errors.append(_("“%(line)s”: give a shop and its category.") % {"line": f"{name} = {category}"[:120]})
        elif len(name) > 100 or len(category) > 60:
            errors.append(_("“%(name)s”: a shop has at most 100 characters, a category 60.") % {"name": name[:60]})
        elif key in rows:  # listed again: once is enough, with one category
            if merchant_key(rows[key].category) != merchant_key(category):
                errors.append(_("“%(name)s”: listed twice, with two categories.") % {"name": name})
        else:
            rows[key] = Merchant(tenant=tenant, name=name, key=key, category=category)
    if len(rows) > DIRECTORY_MAX:
        errors.append(_("At most %(n)s shops in the directory.") % {"n": DIRECTORY_MAX})
    if errors:
        raise DomainError(
            _("The merchant directory has mistakes; nothing was changed."), fields={"directory": errors[:20]}
        )
    with connection.cursor() as cursor:  # one replacement at a time per tenant: two would collide on the keys
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('receipts.merchant_directory'), %s)", [tenant.pk])
    Merchant.objects.for_tenant(tenant).delete()
    return Merchant.objects.bulk_create(sorted(rows.values(), key=lambda m: (m.category.casefold(), m.key)))
