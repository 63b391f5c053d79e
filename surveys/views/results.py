"""The results page (server-rendered SVG charts that refresh while the survey runs, a filter on one
answer, a cross-tab) and the exports, streamed: CSV, its codebook, Parquet, SPSS and the definition."""

from __future__ import annotations

import os
import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from surveys.definition import questions_of
from surveys.exports import codebook_chunks, csv_chunks, definition_json, parquet_write, sav_write
from surveys.models import Survey
from surveys.results import crosstab_get, results_get
from surveys.selectors import survey_get, version_latest
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _rejected(request: StaffRequest) -> bool:
    return request.GET.get("rejected") == "1"


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
    }
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
