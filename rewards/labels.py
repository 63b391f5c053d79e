"""How rewards' own ledger sources and actors read to people: never a key like ``payout-run:12`` or
``user:2``. The apps above rewards label their sources the same way (``rewards.sources.SOURCE_LABELS``)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from rewards.models import PayoutRun
from rewards.sources import SOURCE_LABELS, SourceLabel
from tenants.models import Membership, Tenant


def _payout_run(rest: str, tenant: Tenant) -> str:
    run = PayoutRun.objects.for_tenant(tenant).filter(pk=int(rest) if rest.isdigit() else 0).first()
    if run is None:
        return _("Payout")
    return _("Payout of %(month)s") % {"month": formats.date_format(run.period, "YEAR_MONTH_FORMAT")}


def _payout(rest: str, tenant: Tenant) -> str:
    return _("Payout %(reference)s") % {"reference": rest}


def _console(rest: str, tenant: Tenant) -> str:
    return _("From the panel's team")


def rewards_source_labels_register() -> None:
    for prefix, labeller in (("payout-run", _payout_run), ("payout", _payout), ("console", _console)):
        SOURCE_LABELS.register(SourceLabel(prefix, labeller))


def actor_label(actor: str, tenant: Tenant) -> str:
    """Who did it, as the console shows it: a person by their address (or their former role), the
    system, or a command."""
    kind, _sep, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        membership = Membership.objects.for_tenant(tenant).filter(user_id=int(rest)).select_related("user").first()
        if membership is not None:
            return f"{membership.user.email} ({membership.get_role_display()})"
        user = User.objects.filter(pk=int(rest)).first()
        return user.email if user is not None else _("a former member of the team")
    if kind == "command":
        return _("a command on the server")
    return _("Fairpanel, on schedule")
