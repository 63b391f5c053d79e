"""Direct invitations from a CSV file: every row is checked, and a file with any bad row imports
nothing. The file is read as a stream, so a huge one is refused without being held in memory."""

from __future__ import annotations

import codecs
import csv
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import DomainError
from panel.models import Invitation, Panelist
from panel.release import SEND_BATCH
from panel.tasks import invitation_send_batch_task
from tenants.models import Tenant

MAX_ROWS = 50_000
MAX_REPORTED = 100


class CsvRefused(DomainError):
    code = "csv_invalid"
    status_code = 400


def csv_lines(upload: IO[bytes]) -> Iterator[str]:
    # Decode incrementally: the first bad byte stops the import with its line, nothing is buffered.
    reader = codecs.getreader("utf-8-sig")(upload, "strict")
    line = 0
    try:
        for text in reader:
            line += 1
            yield text
    except UnicodeDecodeError:
        raise CsvRefused(
            f"The file is not UTF-8 text (at line {line + 1}). Save it as CSV UTF-8 and try again.",
            fields={"file": ["Not UTF-8."]},
        ) from None


def csv_rows(upload: IO[bytes]) -> Iterator[list[str]]:
    """The rows of an uploaded CSV; a file the csv module cannot read is refused, never a 500."""
    try:
        yield from csv.reader(csv_lines(upload))
    except csv.Error as exc:
        raise CsvRefused(f"The file is not a readable CSV file: {exc}.", fields={"file": ["Not CSV."]}) from None


def invitations_import_csv(*, tenant: Tenant, upload: IO[bytes], created_by: User | None) -> int:
    """Invite every address of a CSV with an ``email`` column; all or nothing. Returns how many."""
    rows = csv_rows(upload)
    header = next(rows, None)
    if not header or "email" not in [h.strip().lower() for h in header]:
        raise CsvRefused(
            "The first line must name the columns, one of them 'email'.", fields={"file": ["No 'email' column."]}
        )
    column = [h.strip().lower() for h in header].index("email")
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
            raise CsvRefused(
                f"The file has more than {MAX_ROWS:,} rows: split it.", fields={"file": ["Too many rows."]}
            )
        if not any(cell.strip() for cell in row):
            continue
        email = row[column].strip().lower() if column < len(row) else ""
        reason = ""
        try:
            validate_email(email)
        except ValidationError:
            reason = f"'{email[:80]}' is not an email address"
        if not reason and email in seen:
            reason = f"{email} is also on line {seen[email]}"
        elif not reason and email in pending:
            reason = f"{email} already has a pending invitation"
        elif not reason and email in members:
            reason = f"{email} is already a panelist"
        if reason:
            if len(problems) < MAX_REPORTED:
                problems[f"line {number}"] = [reason]
            continue
        seen[email] = number
        emails.append(email)
    if problems:
        raise CsvRefused(f"Nothing was imported: {len(problems)} line(s) need fixing.", fields=problems)
    if not emails:
        raise CsvRefused("The file has no addresses.", fields={"file": ["No rows."]})
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
            invitation_send_batch_task.delay_on_commit(ids[start : start + SEND_BATCH])
    return len(ids)
