from __future__ import annotations

from django.db import transaction

from adverification.domains import is_host
from adverification.models import K_FLOOR, AdProgram
from adverification.selectors import ad_program_get
from core.errors import DomainError
from tenants.models import Tenant

MAX_WATCHED = 500


def _domains(field: str, text: str | list[str]) -> list[str]:
    values = text.split() if isinstance(text, str) else text
    domains = sorted({value.strip().lower().rstrip(".") for value in values if value.strip()})
    wrong = [value for value in domains if not is_host(value)]
    if wrong:
        raise DomainError(
            f"Not a domain name: {', '.join(wrong[:5])}.",
            fields={field: [f"Use host names such as ads.example.com, one a line (not {wrong[0]})."]},
        )
    if len(domains) > MAX_WATCHED:
        raise DomainError(f"At most {MAX_WATCHED} domains.", fields={field: [f"Use at most {MAX_WATCHED}."]})
    return domains


def _whole(field: str, value: int | str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise DomainError(f"{field} must be between {low} and {high}.", fields={field: [f"Use {low} to {high}."]})
    return number


@transaction.atomic
def ad_program_update(
    *,
    tenant: Tenant,
    ad_domains: str | list[str],
    landing_domains: str | list[str],
    k_anonymity: int | str,
    max_devices: int | str,
) -> AdProgram:
    """Set the watch list, the reports' k (never below the floor of 10) and the cap on devices."""
    values = {
        "ad_domains": _domains("ad_domains", ad_domains),
        "landing_domains": _domains("landing_domains", landing_domains),
        "k_anonymity": _whole("k_anonymity", k_anonymity, K_FLOOR, 10_000),
        "max_devices": _whole("max_devices", max_devices, 1, 20),
    }
    both = set(values["ad_domains"]) & set(values["landing_domains"])  # type: ignore[call-overload]
    if both:
        raise DomainError(
            "A domain is either an ad domain or a landing domain.",
            fields={"landing_domains": [f"Already an ad domain: {', '.join(sorted(both))}."]},
        )
    program = ad_program_get(tenant=tenant)
    for name, value in values.items():
        setattr(program, name, value)
    if program.pk is None:
        program.save(force_insert=True)
    else:
        program.save(update_fields=[*values, "updated_at"])
    return program
