"""Payout periods: a calendar month, named by its first day, whose boundaries fall in the tenant's
own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from tenants.models import Tenant


def period_parse(text: str) -> date:
    """``YYYY-MM`` as the first day of that month, or a clear error."""
    try:
        return date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise DomainError(
            _("'%(text)s' is not a month: write it as YYYY-MM.") % {"text": text[:20]},
            fields={"period": [_("Use YYYY-MM.")]},
        ) from None


def next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_start_local(tenant: Tenant, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), tenant.tzinfo).date().replace(day=1)


def previous_period(tenant: Tenant, now: datetime | None = None) -> date:
    return (month_start_local(tenant, now) - timedelta(days=1)).replace(day=1)


def period_start_at(tenant: Tenant, period: date) -> datetime:
    """The first moment of the month ``period`` starts, in the tenant's time zone."""
    return datetime.combine(period, datetime.min.time(), tzinfo=tenant.tzinfo)


def payout_due_at(tenant: Tenant, period: date) -> datetime:
    """03:00 on the 1st of the month after ``period``, in the tenant's time zone."""
    return datetime.combine(next_month(period), datetime.min.time().replace(hour=3), tzinfo=tenant.tzinfo)
