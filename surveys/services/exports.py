"""Large exports, built by a worker: ``survey_export_start`` records the request and queues
``survey_export_build_task``; the worker writes the file under ``MEDIA_ROOT/survey-exports/`` and
counts the rows as it goes (the console's progress bar reads ``rows_done`` / ``rows_total``). The
finished file is reached through a signed link that expires (``surveys.export_links``), and the file
goes with its link: ``survey_exports_purge`` (hourly, beat) deletes the files of expired exports and
marks them ``expired``, whose download then says so (410).

Safe to run twice: an export that is done or failed is left as it is; one found running (its worker
died) is built again from the start into a new file.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from surveys.export_links import LINK_HOURS
from surveys.exports import csv_chunks, definition_json, parquet_write, sav_write
from surveys.models import Survey, SurveyExport
from surveys.results import export_row_count
from surveys.tasks import survey_export_build_task

logger = logging.getLogger(__name__)
FORMATS = ("csv", "sav", "parquet", "json")
EXPORTS_FOLDER = "survey-exports"  # under MEDIA_ROOT, a folder per panel


@transaction.atomic
def survey_export_start(*, survey: Survey, fmt: str, include_rejected: bool = False,
                        created_by: User | None = None) -> SurveyExport:  # fmt: skip
    """Ask a worker for an export of the survey's responses in ``fmt``."""
    if fmt not in FORMATS:
        raise DomainError(_("Choose a format: %(formats)s.") % {"formats": ", ".join(FORMATS)},
                          fields={"fmt": [_("Unknown format.")]})  # fmt: skip
    export = SurveyExport.objects.create(
        tenant=survey.tenant,
        survey=survey,
        fmt=fmt,
        include_rejected=include_rejected,
        rows_total=export_row_count(survey=survey, include_rejected=include_rejected),
        created_by=created_by,
    )
    survey_export_build_task.delay_on_commit(export.pk)
    return export


def _progress(export: SurveyExport) -> Callable[[int], None]:
    def tell(rows: int) -> None:
        SurveyExport.objects.filter(tenant_id=export.tenant_id, pk=export.pk).update(rows_done=rows)

    return tell


def survey_export_build(*, export_id: int) -> SurveyExport | None:
    """Write the file of one export (the worker's side). Not one transaction: its progress must be
    seen while it runs, and each update is one statement on the export's own row."""
    # across tenants: a task names its export by id only
    export = SurveyExport.objects.unscoped().select_related("survey", "tenant").filter(pk=export_id).first()
    if export is None or export.status in {SurveyExport.Status.DONE, SurveyExport.Status.FAILED}:
        return export
    survey = export.survey
    relative = Path(EXPORTS_FOLDER) / export.tenant.slug / f"{uuid.uuid4().hex}.{export.fmt}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    total = export_row_count(survey=survey, include_rejected=export.include_rejected)
    SurveyExport.objects.filter(tenant_id=export.tenant_id, pk=export.pk).update(
        status=SurveyExport.Status.RUNNING, rows_total=total, rows_done=0
    )
    tell = _progress(export)
    language = export.tenant.languages[0]
    try:
        if export.fmt == "csv":
            with path.open("wb") as sink:
                for chunk in csv_chunks(survey=survey, include_rejected=export.include_rejected, language=language,
                                        progress=tell):  # fmt: skip
                    sink.write(chunk)
        elif export.fmt == "parquet":
            with path.open("wb") as sink:
                parquet_write(survey=survey, sink=sink, include_rejected=export.include_rejected, progress=tell)
        elif export.fmt == "sav":
            sav_write(survey=survey, path=os.fspath(path), include_rejected=export.include_rejected,
                      language=language, progress=tell)  # fmt: skip
        else:
            path.write_bytes(definition_json(survey=survey))
    except Exception:
        logger.exception("survey export %s failed", export.pk)
        path.unlink(missing_ok=True)
        SurveyExport.objects.filter(tenant_id=export.tenant_id, pk=export.pk).update(
            status=SurveyExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    SurveyExport.objects.filter(tenant_id=export.tenant_id, pk=export.pk).update(
        status=SurveyExport.Status.DONE, rows_done=total, path=str(relative), finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def survey_exports_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Every hour (beat): delete the file of each export whose link has expired and mark the export
    ``expired``; and delete files no finished export names (a worker that died mid-build left them)
    once they are as old as a link. Returns what it did, as counts.

    The file goes before the mark: a purge that dies in between leaves a ``done`` export without its
    file, which the download already refuses as expired, and the next run marks it."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=LINK_HOURS)
    root = Path(settings.MEDIA_ROOT)
    # across tenants: the periodic purge serves every panel
    due = SurveyExport.objects.unscoped().filter(status=SurveyExport.Status.DONE, finished_at__lte=cutoff)
    expired = 0
    for pk, tenant_id, relative in due.order_by("pk").values_list("pk", "tenant_id", "path"):
        if relative:
            (root / relative).unlink(missing_ok=True)
        expired += SurveyExport.objects.filter(tenant_id=tenant_id, pk=pk, status=SurveyExport.Status.DONE).update(
            status=SurveyExport.Status.EXPIRED, path=""
        )
    # across tenants: every file a finished export still names, whichever panel it belongs to
    kept = set(SurveyExport.objects.unscoped().filter(status=SurveyExport.Status.DONE).values_list("path", flat=True))
    orphans = 0
    folder = root / EXPORTS_FOLDER
    oldest = time.time() - LINK_HOURS * 3600
    for file in folder.glob("*/*") if folder.is_dir() else []:
        if file.is_file() and str(file.relative_to(root)) not in kept and file.stat().st_mtime < oldest:
            file.unlink(missing_ok=True)
            orphans += 1
    if expired or orphans:
        logger.info("survey exports purged: %s expired, %s orphan files", expired, orphans)
    return {"expired": expired, "orphans": orphans}
