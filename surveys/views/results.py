"""The results page (server-rendered SVG charts that refresh while the survey runs, a filter on one
answer, a cross-tab) and the exports, streamed: CSV, its codebook, Parquet, SPSS and the definition."""

from __future__ import annotations

import os
import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from surveys.definition import questions_of
from surveys.errors import ExportExpired
from surveys.export_links import LINK_HOURS, survey_export_is_expired, survey_export_link_read, survey_export_token
from surveys.exports import codebook_chunks, csv_chunks, definition_json, parquet_write, sav_write
from surveys.models import Survey, SurveyExport
from surveys.results import crosstab_get, results_get
from surveys.selectors import (
    survey_export_by_id,
    survey_export_file,
    survey_export_list,
    survey_get,
    version_latest,
)
from surveys.services.exports import survey_export_start
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _rejected(request: StaffRequest) -> bool:
    return request.GET.get("rejected") == "1"


EXPORT_FORMATS = [("csv", "CSV"), ("sav", "SPSS (.sav)"), ("parquet", "Parquet"), ("json", "JSON")]


def _exports_context(request: StaffRequest, survey: Survey) -> dict[str, object]:
    """The survey's recent background exports, each with its signed link once it is done."""
    exports = survey_export_list(survey=survey)
    items = [
        {
            "export": export,
            "expired": (expired := survey_export_is_expired(export)),
            "link": reverse("console_survey_export_download",
                            kwargs={"tenant_slug": request.tenant.slug, "token": survey_export_token(export)})
            if export.status == SurveyExport.Status.DONE and not expired else None,
        }
        for export in exports
    ]  # fmt: skip
    busy = any(e.status in {SurveyExport.Status.QUEUED, SurveyExport.Status.RUNNING} for e in exports)
    return {"survey": survey, "exports": items, "busy": busy, "hours": LINK_HOURS, "formats": EXPORT_FORMATS}


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_results(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    fq, fv = request.GET.get("fq", ""), request.GET.get("fv", "")
    row, col = request.GET.get("row", ""), request.GET.get("col", "")
    context = {
        "survey": survey,
        "results": results_get(
            survey=survey,
            language=get_language() or "en",
            filter_question=fq,
            filter_value=fv,
            include_rejected=_rejected(request),
        ),
        "crosstab": crosstab_get(survey=survey, row=row, column=col, include_rejected=_rejected(request))
        if row and col
        else None,
        "names": [str(q.get("name")) for q in questions_of(version_latest(survey=survey).definition)],
        "fq": fq,
        "fv": fv,
        "row": row,
        "col": col,
        "live": request.htmx and request.GET.get("part") == "charts",
    } | _exports_context(request, survey)
    template = "surveys/console/_charts.html" if context["live"] else "surveys/console/results.html"
    return render_console(request, template, "surveys", context)


def _download(chunks: object, filename: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)  # type: ignore[arg-type]
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_csv(request: StaffRequest, pk: int) -> StreamingHttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    return _download(csv_chunks(survey=survey, include_rejected=_rejected(request)), f"survey-{survey.pk}.csv",
                     "text/csv; charset=utf-8")  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_codebook(request: StaffRequest, pk: int) -> StreamingHttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    return _download(codebook_chunks(survey=survey), f"survey-{survey.pk}-codebook.csv", "text/csv; charset=utf-8")


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_parquet(request: StaffRequest, pk: int) -> FileResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    parquet_write(survey=survey, sink=spool, include_rejected=_rejected(request))
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"survey-{survey.pk}.parquet",
                        content_type="application/vnd.apache.parquet")  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_sav(request: StaffRequest, pk: int) -> FileResponse:
    """SPSS, with variable and value labels: written to a temporary file (pyreadstat needs a path),
    sent, then removed."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    return sav_response(survey=survey, include_rejected=_rejected(request), language=get_language() or "en")


def sav_response(*, survey: Survey, include_rejected: bool, language: str) -> FileResponse:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.sav")
        sav_write(survey=survey, path=path, include_rejected=include_rejected, language=language)
        spool = open(path, "rb")  # noqa: SIM115 (FileResponse closes it once sent; the name is gone already)
    return FileResponse(spool, as_attachment=True, filename=f"survey-{survey.pk}.sav",
                        content_type="application/x-spss-sav")  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_definition(request: StaffRequest, pk: int) -> StreamingHttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    return _download(iter([definition_json(survey=survey)]), f"survey-{survey.pk}-definition.json", "application/json")


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_export_start(request: StaffRequest, pk: int) -> HttpResponse:
    """Ask a worker for an export; the progress bar follows it (htmx), and its link appears when done."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    refused: DomainError | None = None
    try:
        survey_export_start(survey=survey, fmt=request.POST.get("fmt", ""),
                            include_rejected=request.POST.get("rejected") == "1", created_by=request.user)  # fmt: skip
    except DomainError as exc:
        refused = exc
    if request.htmx:
        status = refused.status_code if refused else 200
        return render(request, "surveys/console/_exports.html", _exports_context(request, survey), status=status)
    if refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The export is being built; its link appears below when it is ready."))
    return redirect("console_survey_results", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_exports(request: StaffRequest, pk: int) -> HttpResponse:
    """The background exports and their progress (polled by htmx while one runs)."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    return render(request, "surveys/console/_exports.html", _exports_context(request, survey))


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_download(request: StaffRequest, token: str) -> HttpResponse | FileResponse:
    """A finished export through its signed link, for a member of this panel, until the link expires;
    then a page that says so (410) and leads back to the results to start a new one."""
    try:
        link = survey_export_link_read(token, tenant_id=request.tenant.pk)
    except DomainError:
        raise Http404("No such export.") from None
    export = survey_export_by_id(tenant=request.tenant, pk=link.export_id)
    try:
        path = survey_export_file(export=export, link_expired=link.expired)
    except ExportExpired as exc:
        return render_console(request, "surveys/console/export_expired.html", "surveys", {"survey": export.survey},
                              error=exc)  # fmt: skip
    except DomainError:
        raise Http404("No such export.") from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"survey-{export.survey_id}.{export.fmt}")
