"""The operators' survey pages: the list, the authoring page (htmx: questions added, edited, moved and
deleted in place; logic through a small form or as raw expressions, checked as it is typed; the texts in
each of the tenant's languages; raw JSON; import and export), preview in each of the tenant's languages,
quotas, publishing, targeting with the eligible count, waves, and live progress.
Each action has its own URL; without htmx each one redirects back to the page."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from surveys import engine
from surveys.definition import definition_parse, localized, page_name, pages_of, personal_data_warnings, questions_of
from surveys.logic import builder_state, expression_check
from surveys.models import Survey, Wave
from surveys.selectors import (
    eligible_panelists,
    quota_get,
    quota_list,
    survey_get,
    survey_list,
    survey_progress,
    target_fields_get,
    version_current,
    version_latest,
    wave_list,
)
from surveys.services.authoring import (
    QUESTION_TYPES,
    page_texts_update,
    question_add,
    question_condition_add,
    question_delete,
    question_move,
    question_texts_update,
    question_update,
    quota_add,
    quota_delete,
    survey_close,
    survey_create,
    survey_definition_save,
    survey_publish,
    survey_settings_update,
)
from surveys.services.distribution import wave_create
from surveys.services.external import external_recipe
from surveys.targeting import TargetField, filters_describe, filters_from_form
from surveys.texts import text_in, text_rows
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm

SECTION = "surveys"


def _list_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    return render_console(
        request, "surveys/console/list.html", SECTION, {"surveys": survey_list(tenant=request.tenant)}, error=error
    )


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_surveys(request: StaffRequest) -> HttpResponse:
    return _list_page(request)


def _definition_from(request: StaffRequest) -> object:
    upload = request.FILES.get("file")
    text = upload.read(600_000) if upload is not None else request.POST.get("definition", "")
    try:
        return definition_parse(text)
    except ValueError as exc:
        raise DomainError(
            _("This is not a survey definition: %(why)s") % {"why": exc}, fields={"definition": [str(exc)]}
        ) from None


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_create(request: StaffRequest) -> HttpResponse:
    """A new survey: blank, or imported from SurveyJS JSON (a file or pasted text)."""
    try:
        imported = request.FILES.get("file") or request.POST.get("definition", "").strip()
        definition = _definition_from(request) if imported else None
        survey = survey_create(
            tenant=request.tenant,
            title=request.POST.get("title", ""),
            definition=definition if isinstance(definition, dict) or definition is None else None,
            created_by=request.user,
        )
    except DomainError as exc:
        return _list_page(request, error=exc)
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


def _target_fields(request: StaffRequest) -> list[TargetField]:
    return target_fields_get(tenant=request.tenant, language=get_language() or "en")


def _target_form(request: StaffRequest, fields: list[TargetField]) -> list[dict[str, object]]:
    """Each filter of the targeting form with what was chosen in it (kept when a wave is refused)."""
    data = request.POST if request.method == "POST" else request.GET
    return [
        {"field": f, "ticked": data.getlist(f"f_{f.key}"), "min": data.get(f"f_{f.key}_min", ""),
         "max": data.get(f"f_{f.key}_max", "")}
        for f in fields
    ]  # fmt: skip


def _pages(request: StaffRequest, definition: dict[str, object]) -> list[dict[str, object]]:
    """Each page with its texts per language, and each of its questions with its text in the first
    language, its texts per language and its logic form."""
    languages = list(request.tenant.languages)
    language = get_language() or languages[0]
    pages: list[dict[str, object]] = []
    for i, page in enumerate(pages_of(definition)):
        items = [
            {
                "q": q,
                "text": text_in(q.get("html" if q.get("type") == "html" else "title"), languages[0], languages),
                "texts": text_rows(q, languages),
                "builder": builder_state(definition, question=str(q.get("name")), language=language, data={}),
            }
            for q in page.get("elements", [])
            if isinstance(q, dict)
        ]
        pages.append({"name": page_name(page, i), "items": items, "texts": text_rows(page, languages, page=True)})
    return pages


def _context(request: StaffRequest, survey: Survey) -> dict[str, object]:
    version = version_latest(survey=survey)
    definition = version.definition
    fields = _target_fields(request)
    return {
        "survey": survey,
        "version": version,
        "current": version_current(survey=survey),
        "pages": _pages(request, definition),
        "question_names": [str(q.get("name")) for q in questions_of(definition)],
        "definition_json": json.dumps(definition, indent=2, ensure_ascii=False),
        "types": QUESTION_TYPES,
        "warnings": personal_data_warnings(definition),
        "quotas": quota_list(survey=survey),
        "waves": [(wave, filters_describe(wave.filters, fields)) for wave in wave_list(survey=survey)],
        "methods": Wave.Method.choices,
        "progress": survey_progress(survey=survey),
        "languages": list(request.tenant.languages),
        "target_form": _target_form(request, fields),
        "recipe": external_recipe(survey=survey) if survey.is_external else None,
    }


def _survey_page(request: StaffRequest, survey: Survey, *, error: DomainError | None = None) -> HttpResponse:
    return render_console(request, "surveys/console/survey.html", SECTION, _context(request, survey), error=error)


def _after(request: StaffRequest, survey: Survey, done: str) -> HttpResponse:
    """htmx swaps the questions in place; a plain form goes back to the page."""
    if request.htmx:
        return render(request, "surveys/console/_questions.html", _context(request, survey))
    messages.success(request, done)
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


def _refused(request: StaffRequest, survey: Survey, exc: DomainError) -> HttpResponse:
    if request.htmx:
        context = _context(request, survey) | {"error": exc, "errors": exc.fields or {"form": [exc.detail]}}
        return render(request, "surveys/console/_questions.html", context, status=exc.status_code)
    return _survey_page(request, survey, error=exc)


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey(request: StaffRequest, pk: int) -> HttpResponse:
    return _survey_page(request, survey_get(tenant=request.tenant, pk=pk))


def _fields(request: StaffRequest) -> dict[str, object]:
    keys = ("title", "visibleIf", "enableIf", "requiredIf", "choices", "rows", "columns")
    fields: dict[str, object] = {key: request.POST[key] for key in keys if key in request.POST}
    fields["isRequired"] = request.POST.get("isRequired") == "on"
    return fields


def _edit(request: StaffRequest, pk: int, change: Callable[[Survey], object], done: str) -> HttpResponse:
    """One editor action on the draft: the questions again (htmx) or the page, or the refusal."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        change(survey)
    except DomainError as exc:
        return _refused(request, survey, exc)
    return _after(request, survey, done)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_add(request: StaffRequest, pk: int) -> HttpResponse:
    kind, name, page = (request.POST.get(key, "") for key in ("type", "name", "page"))
    return _edit(request, pk, lambda survey: question_add(survey=survey, kind=kind, name=name, page=page,
                 fields=_fields(request)), _("Question added."))  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_edit(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    return _edit(request, pk, lambda survey: question_update(survey=survey, name=name, fields=_fields(request)),
                 _("Question saved."))  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_move(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    direction = request.POST.get("direction", "")
    return _edit(request, pk, lambda survey: question_move(survey=survey, name=name, direction=direction),
                 _("Question moved."))  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_delete(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    return _edit(request, pk, lambda survey: question_delete(survey=survey, name=name), _("Question deleted."))


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_logic_check(request: StaffRequest, pk: int) -> HttpResponse:
    """An expression as it is typed: does it parse, and does it name questions of this survey?"""
    survey = survey_get(tenant=request.tenant, pk=pk)
    keys = ("expression", "visibleIf", "enableIf", "requiredIf")
    text = next((request.POST[key] for key in keys if key in request.POST), "")
    check = expression_check(version_latest(survey=survey).definition, text)
    return render(request, "surveys/console/_logic_check.html", {"message": check.message, "ok": check.ok})


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_logic_builder(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    """The logic form of one question again, for what is chosen so far (htmx, as it changes): the value
    offered for the question picked, the expression it makes and whether that expression works."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    data = {key: request.POST.getlist(key) for key in ("target", "ref", "op", "value", "join")}
    try:
        builder = builder_state(version_latest(survey=survey).definition, question=name,
                                language=get_language() or "en", data=data)  # fmt: skip
    except DomainError:
        raise Http404("No such question.") from None
    return render(request, "surveys/console/_logic_builder.html", {"survey": survey, "b": builder})


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_logic(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    """Add the condition the logic form built to the question's rule."""
    post = request.POST
    return _edit(request, pk, lambda survey: question_condition_add(
        survey=survey, name=name, target=post.get("target", ""), ref=post.get("ref", ""), op=post.get("op", ""),
        values=post.getlist("value"), join=post.get("join", "and"), language=get_language() or "en",
    ), _("Condition added."))  # fmt: skip


def _texts(request: StaffRequest) -> dict[str, str]:
    """The form's ``<text>.<language>`` fields (the CSRF token and the like left out)."""
    return {key: str(value) for key, value in request.POST.items() if "." in key}


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_question_texts(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    return _edit(request, pk, lambda survey: question_texts_update(survey=survey, name=name, texts=_texts(request)),
                 _("Texts saved."))  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_page_texts(request: StaffRequest, pk: int, page: str) -> HttpResponse:
    return _edit(request, pk, lambda survey: page_texts_update(survey=survey, page=page, texts=_texts(request)),
                 _("Texts saved."))  # fmt: skip


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_definition(request: StaffRequest, pk: int) -> HttpResponse:
    """Save the draft from the raw JSON editor or an uploaded file (an import into this survey)."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        survey_definition_save(survey=survey, definition=_definition_from(request))
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    messages.success(request, _("The draft is saved."))
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_export_json(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    version = version_latest(survey=survey)
    response = HttpResponse(
        json.dumps(version.definition, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-v{version.number}.json"'
    return response


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_preview(request: StaffRequest, pk: int, page: str) -> HttpResponse:
    """A page as respondents see it, in any of the tenant's languages; records nothing."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    definition = version_latest(survey=survey).definition
    language = request.GET.get("lang", "")
    language = language if language in request.tenant.languages else request.tenant.languages[0]
    names = [page_name(p, i) for i, p in enumerate(pages_of(definition))]
    shown = engine.page_get(definition, page) or {}
    context = {
        "survey": survey,
        "page": page,
        "pages": names,
        "language": language,
        "languages": list(request.tenant.languages),
        "page_title": localized(shown.get("title"), language),
        "page_description": localized(shown.get("description"), language),
        "questions": engine.page_view(definition, page, {}, {}, language) if page in names else [],
    }
    return render_console(request, "surveys/console/preview.html", SECTION, context)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_publish(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        version = survey_publish(survey=survey)
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_close(request: StaffRequest, pk: int) -> HttpResponse:
    survey_close(survey=survey_get(tenant=request.tenant, pk=pk))
    messages.success(request, _("The survey is closed."))
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=pk)


def _int_or_none(raw: str, field: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DomainError(_("Use a whole number."), fields={field: [_("A whole number.")]})
    return int(raw)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_survey_settings(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        values: dict[str, object] = {
            "title": request.POST.get("title", survey.title),
            "reward": _int_or_none(request.POST.get("reward", ""), "reward"),
            "is_open": request.POST.get("is_open") == "on",
            "entry_url": request.POST.get("entry_url", "").strip(),
        }
        for field in ("screenout_reward", "min_seconds", "retention_months", "reminder_days", "expiry_days"):
            if (number := _int_or_none(request.POST.get(field, ""), field)) is not None:
                values[field] = number
        survey_settings_update(survey=survey, values=values)
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    messages.success(request, _("Settings saved."))
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_quota_add(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        quota_add(
            survey=survey,
            question_a=request.POST.get("question_a", ""),
            value_a=request.POST.get("value_a", ""),
            question_b=request.POST.get("question_b", ""),
            value_b=request.POST.get("value_b", ""),
            limit=_int_or_none(request.POST.get("limit", ""), "limit") or 0,
        )
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    messages.success(request, _("Quota cell added."))
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_quota_delete(request: StaffRequest, pk: int, cell: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        quota_delete(cell=quota_get(survey=survey, pk=cell))
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_eligible(request: StaffRequest, pk: int) -> HttpResponse:
    """How many panelists the filters reach, before anything is sent (htmx, as the filters change)."""
    survey_get(tenant=request.tenant, pk=pk)
    fields = _target_fields(request)
    filters: dict[str, list[str]] = {}
    try:
        filters = filters_from_form(request.GET, fields)
        count: int | None = len(eligible_panelists(tenant=request.tenant, filters=filters))
        problems: list[str] = []
    except DomainError as exc:
        count, problems = None, exc.fields.get("filters", [exc.detail])
    context = {"count": count, "problems": problems, "described": filters_describe(filters, fields)}
    return render(request, "surveys/console/_eligible.html", context)


@staff_required(Perm.SURVEYS_MANAGE)
@require_POST
def console_wave_create(request: StaffRequest, pk: int) -> HttpResponse:
    survey = survey_get(tenant=request.tenant, pk=pk)
    try:
        wave = wave_create(
            survey=survey,
            method=request.POST.get("method", ""),
            size=_int_or_none(request.POST.get("size", ""), "size"),
            seed=_int_or_none(request.POST.get("seed", ""), "seed"),
            filters=filters_from_form(request.POST, _target_fields(request)),
            created_by=request.user,
        )
    except DomainError as exc:
        return _survey_page(request, survey, error=exc)
    messages.success(request, _("%(n)s panelists invited (seed %(seed)s).") % {"n": wave.invited, "seed": wave.seed})
    return redirect("console_survey", tenant_slug=request.tenant.slug, pk=survey.pk)


@staff_required(Perm.SURVEYS_MANAGE)
@require_GET
def console_survey_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """Sent, held by the cap, opened, started, completed, screened out, quota full (htmx, polled)."""
    survey = survey_get(tenant=request.tenant, pk=pk)
    return render(
        request, "surveys/console/_progress.html", {"survey": survey, "progress": survey_progress(survey=survey)}
    )
