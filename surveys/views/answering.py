"""The panelist's survey pages: one survey page at a time, server-rendered, working without
JavaScript. Each POST is checked by ``response_page_submit``; a refusal renders the same page with
each error tied to its question (and the answers as typed), with the refusal's 4xx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.errors import ConsentRequired, ConsentWithdrawn
from core.errors import DomainError
from panel.selectors import panelist_for_request
from surveys import engine
from surveys.definition import localized
from surveys.errors import PageRefused
from surveys.models import Response, Survey
from surveys.selectors import my_surveys, response_get_for, survey_live_get
from surveys.services.external import external_entry_url
from surveys.services.responding import response_page_answer, response_start, survey_consent_require, survey_reward
from surveys.services.review import response_appeal
from tenants.http import SignedInRequest
from tenants.pages import render_page


def _language() -> str:
    return get_language() or "en"


@login_required
@require_GET
def my_survey_list(request: SignedInRequest) -> HttpResponse:
    """The surveys I am invited to (and the open ones), with what each pays and where I am in it."""
    panelist = panelist_for_request(request)
    return render_page(request, "surveys/my_surveys.html", {"items": my_surveys(panelist=panelist)})


def _intro(request: SignedInRequest, survey: Survey, *, error: DomainError | None = None) -> HttpResponse:
    panelist = panelist_for_request(request)
    context = {
        "survey": survey,
        "reward": survey_reward(survey),
        "response": response_get_for(survey=survey, panelist=panelist),
        "consent_error": None,
    }
    try:
        survey_consent_require(panelist=panelist)
    except (ConsentRequired, ConsentWithdrawn) as refused:
        context["consent_error"] = refused
    return render_page(request, "surveys/intro.html", context, error=error)


@login_required
@require_GET
def survey_intro(request: SignedInRequest, pk: int) -> HttpResponse:
    return _intro(request, survey_live_get(tenant=request.tenant, pk=pk))


@login_required
@require_POST
def survey_start(request: SignedInRequest, pk: int) -> HttpResponse:
    """Start, or resume where I left off (on any device)."""
    survey = survey_live_get(tenant=request.tenant, pk=pk)
    try:
        response = response_start(survey=survey, panelist=panelist_for_request(request))
    except DomainError as exc:
        return _intro(request, survey, error=exc)
    if survey.is_external and not response.is_finished:
        return redirect(external_entry_url(survey=survey, response=response))
    return _next(response)


def _next(response: Response) -> HttpResponse:
    slug = response.tenant.slug
    if response.is_finished:
        return redirect("survey_end", tenant_slug=slug, pk=response.survey_id)
    return redirect("survey_page", tenant_slug=slug, pk=response.survey_id, page=response.current_page)


def _page(request: SignedInRequest, response: Response, page: str, *, error: DomainError | None = None) -> HttpResponse:
    definition = response.version.definition
    answers = response.answers
    if error is not None:
        answers = engine.typed_answers(definition, page, request.POST, answers)
    pages = engine.visible_pages(definition, answers)
    questions = engine.page_view(definition, page, answers, response.order, _language(),
                                 errors=error.fields if error else None)  # fmt: skip
    position = response.path.index(page) if page in response.path else 0
    context = {
        "survey": response.survey,
        "response": response,
        "page": page,
        "page_title": localized((engine.page_get(definition, page) or {}).get("title"), _language()),
        "questions": questions,
        "previous": response.path[position - 1] if position > 0 else None,
        "number": pages.index(page) + 1 if page in pages else 1,
        "total": len(pages),
    }
    return render_page(request, "surveys/page.html", context, error=error)


@login_required
@require_http_methods(["GET", "POST"])
def survey_page(request: SignedInRequest, pk: int, page: str) -> HttpResponse:
    if request.method == "POST":
        return _page_submit(request, pk, page)
    survey = survey_live_get(tenant=request.tenant, pk=pk)
    panelist = panelist_for_request(request)
    response = response_get_for(survey=survey, panelist=panelist)
    if response is None:
        return redirect("survey_intro", tenant_slug=request.tenant.slug, pk=survey.pk)
    if response.is_finished or page not in response.path:
        return _next(response)
    return _page(request, response, page)


def _page_submit(request: SignedInRequest, pk: int, page: str) -> HttpResponse:
    """A page's POST: the service finds the panelist's response itself (the hot path: every page of every
    respondent); the survey and the response are read again only to show a refusal."""
    try:
        answered = response_page_answer(tenant=request.tenant, user=request.user, survey_id=pk, page=page,
                                        data=request.POST, language=_language())  # fmt: skip
    except (ConsentRequired, ConsentWithdrawn, PageRefused) as refused:
        survey = survey_live_get(tenant=request.tenant, pk=pk)
        response = response_get_for(survey=survey, panelist=panelist_for_request(request))
        if isinstance(refused, PageRefused) and refused.code == "response_finished" and response is not None:
            return _next(response)
        return _intro(request, survey, error=refused)
    except DomainError as exc:
        survey = survey_live_get(tenant=request.tenant, pk=pk)
        response = response_get_for(survey=survey, panelist=panelist_for_request(request))
        if response is None:
            return _intro(request, survey, error=exc)
        return _page(request, response, page, error=exc)
    if answered is None:  # no response of this panelist (or not a panelist, or no such survey): as a GET
        survey = survey_live_get(tenant=request.tenant, pk=pk)
        panelist_for_request(request)
        return redirect("survey_intro", tenant_slug=request.tenant.slug, pk=survey.pk)
    return _next(answered)


@login_required
@require_GET
def survey_end(request: SignedInRequest, pk: int) -> HttpResponse:
    """What I earned, or why it is held or was refused."""
    survey = survey_live_get(tenant=request.tenant, pk=pk)
    response = response_get_for(survey=survey, panelist=panelist_for_request(request))
    if response is None or not response.is_finished:
        return redirect("survey_intro", tenant_slug=request.tenant.slug, pk=survey.pk)
    definition = response.version.definition
    context = {
        "survey": survey,
        "response": response,
        "reward": survey_reward(survey),
        "completed_html": localized(definition.get("completedHtml"), _language()),
    }
    return render_page(request, "surveys/end.html", context)


@login_required
@require_POST
def survey_appeal(request: SignedInRequest, pk: int) -> HttpResponse:
    """Contest a rejection, once; another reviewer decides."""
    survey = survey_live_get(tenant=request.tenant, pk=pk)
    response = response_get_for(survey=survey, panelist=panelist_for_request(request))
    if response is None:
        return redirect("survey_intro", tenant_slug=request.tenant.slug, pk=survey.pk)
    try:
        response_appeal(response=response, text=request.POST.get("text", ""))
    except DomainError as exc:
        return _intro(request, survey, error=exc)
    return redirect("survey_end", tenant_slug=request.tenant.slug, pk=survey.pk)
