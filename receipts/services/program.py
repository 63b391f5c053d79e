"""The tenant's receipt program: eligibility, limits and windows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import DomainError, validation_fields
from receipts.models import ReceiptProgram
from receipts.selectors import receipt_program_get
from tenants.models import Tenant

EDITABLE = ("photo_window_days", "pdf_window_days", "merchant_rule", "merchants", "weekly_limit", "images_max",
            "file_max_bytes", "pdf_pages_max")  # fmt: skip


def merchant_key(name: str) -> str:
    """A shop's name as the program compares it: letters and digits only, lower case (OCR and people
    space and case names differently)."""
    return "".join(char for char in name.casefold() if char.isalnum())


@transaction.atomic
def receipt_program_update(*, tenant: Tenant, values: Mapping[str, Any]) -> ReceiptProgram:
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(unknown)}.", fields={name: ["Unknown."] for name in unknown})
    program = receipt_program_get(tenant=tenant)
    for name, value in values.items():
        if name == "merchants":
            if isinstance(value, str):
                value = value.splitlines()
            value = [line.strip()[:100] for line in value if str(line).strip()]
        setattr(program, name, value)
    if program.merchant_rule != ReceiptProgram.MerchantRule.ANY and not program.merchants:
        raise DomainError("List the merchants the rule applies to.", fields={"merchants": ["List at least one."]})
    try:
        program.full_clean(exclude=["tenant"])
    except ValidationError as exc:
        raise DomainError("Some settings are not valid; see the fields.", fields=validation_fields(exc)) from None
    program.save()
    return program
