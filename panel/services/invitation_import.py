"""Direct invitations from a CSV file: every row is checked, and a file with any bad row imports
nothing. The file is read as a stream, so a huge one is refused without being held in memory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.csvfiles import MAX_REPORTED, MAX_ROWS, CsvRefused, csv_header, csv_refuse_if, csv_rows, csv_too_many
from core.emails import email_clean
from panel.models import Invitation, Panelist
from panel.services.invitations import membership_text_require
from panel.services.release import SEND_BATCH
from panel.tasks import invitations_send_batch_task
from tenants.models import Tenant


def invitations_csv_import(*, tenant: Tenant, upload: IO[bytes], created_by: User | None) -> int:
    """Invite every address of a CSV with an ``email`` column; all or nothing. Returns how many."""
    membership_text_require(tenant=tenant)
    rows = csv_rows(upload)
    column = csv_header(rows, ["email"])["email"]
    pending = set(
        Invitation.objects.for_tenant(tenant)
        .filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .values_list("email", flat=True)
    )
    members = set(Panelist.objects.for_tenant(tenant).filter(status="active").values_list("user__email", flat=True))
    emails: list[str] = []
    seen: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        if len(emails) + len(problems) >= MAX_ROWS:
            raise csv_too_many()
        if not any(cell.strip() for cell in row):
            continue
        email = row[column].strip() if column < len(row) else ""
        reason = ""
        try:
            email = email_clean(email)
        except ValidationError:
            reason = _("'%(email)s' is not an email address") % {"email": email[:80]}
        if not reason and email in seen:
            reason = _("%(email)s is also on line %(line)s") % {"email": email, "line": seen[email]}
        elif not reason and email in pending:
            reason = _("%(email)s already has a pending invitation") % {"email": email}
        elif not reason and email in members:
            reason = _("%(email)s is already a panelist") % {"email": email}
        if reason:
            if len(problems) < MAX_REPORTED:
                problems[f"line {number}"] = [reason]
            continue
        seen[email] = number
        emails.append(email)
    csv_refuse_if(problems)
    if not emails:
        raise CsvRefused(_("The file has no addresses."), fields={"file": [_("No rows.")]})
    expires = timezone.now() + timedelta(days=tenant.invitation_days)
    with transaction.atomic():
        # A pending invitation that has expired gives way to the new one (one pending per address).
        Invitation.objects.for_tenant(tenant).filter(
            status=Invitation.Status.PENDING, expires_at__lte=timezone.now(), email__in=emails
        ).update(status=Invitation.Status.REVOKED, revoked_at=timezone.now())
        created = Invitation.objects.bulk_create(
            [
                Invitation(
                    tenant=tenant, email=e, nonce=secrets.token_hex(16), created_by=created_by, expires_at=expires
                )
                for e in emails
            ],
            batch_size=2000,
        )
        ids = [invitation.pk for invitation in created]
        for start in range(0, len(ids), SEND_BATCH):
            invitations_send_batch_task.delay_on_commit(ids[start : start + SEND_BATCH])
    return len(ids)
