"""surveys' API. Operators (``TenantApiView``): create, import and export the SurveyJS JSON, publish,
count the eligible and send a wave, close, read results and responses, build and download exports,
and decide held responses. Panelists (their session and ``X-Tenant``): list my surveys, start, answer
a page, submit. Another tenant's survey is a 404; every refusal is ``{"code","detail","fields"}``."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.errors import DomainError, PermissionDenied
from rewards.api import PanelistApiView
from surveys import engine
from surveys.export_links import survey_export_expires_at, survey_export_is_expired, survey_export_token
from surveys.models import Response as SurveyResponse
from surveys.models import Survey, SurveyExport
from surveys.results import pseudonym, results_get
from surveys.selectors import (
    eligible_panelists,
    my_surveys,
    response_get,
    response_get_for,
    responses_list,
    review_queue,
    survey_export_file,
    survey_export_get,
    survey_get,
    survey_list,
    survey_live_get,
    survey_progress,
    version_current,
    version_latest,
)
from surveys.services.authoring import survey_close, survey_create, survey_definition_save, survey_publish
from surveys.services.distribution import wave_create
from surveys.services.exports import FORMATS, survey_export_start
from surveys.services.responding import response_page_submit, response_start, response_submit, survey_reward
from surveys.services.review import response_review
from tenants.api_base import TenantApiView
from tenants.roles import Perm

DEFINITION_HELP = "A SurveyJS survey JSON object (pages, elements, triggers...)."
FILTERS_HELP = (
    "Filters on the screening answers, all of which must match; within one, any value may: "
    '{"age": ["18..34", "55.."], "region": ["north", "south"], "household": ["1", "2"]}. A key is a screening '
    "question (a choice question takes its answers, a number question numbers or ranges low..high), or age (from "
    "the year of birth). An unknown key or answer is refused (400)."
)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DomainError(_("Send a JSON object."), fields={field: [_("A JSON object.")]})
    return value


def _filters(value: Any) -> dict[str, Any]:
    """The filters' shape; what they name is checked against the panel by ``surveys.targeting``."""
    return _object(value if value is not None else {}, "filters")


# -- operators: surveys ---------------------------------------------------------------------------------


class SurveySerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField(help_text="The latest version's number (a draft or published).")
    published_version = serializers.SerializerMethodField(help_text="The version new responses answer.")

    class Meta:
        model = Survey
        fields = ["id", "title", "status", "is_open", "reward", "screenout_reward", "entry_url", "created_at",
                  "published_at", "closed_at", "version", "published_version"]  # fmt: skip

    def get_version(self, survey: Survey) -> int:
        return version_latest(survey=survey).number

    def get_published_version(self, survey: Survey) -> int | None:
        current = version_current(survey=survey)
        return current.number if current else None


class SurveyCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    definition = serializers.JSONField(required=False, help_text=DEFINITION_HELP)


class ProgressSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    sent = serializers.IntegerField()
    held = serializers.IntegerField(help_text="Held back by the contact cap; sent later.")
    opened = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    screened_out = serializers.IntegerField()
    quota_full = serializers.IntegerField()
    percent = serializers.IntegerField()


class SurveyDetailSerializer(SurveySerializer):
    progress = serializers.SerializerMethodField()

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "progress"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, survey: Survey) -> dict[str, int]:
        return dict(ProgressSerializer(survey_progress(survey=survey)).data)


class SurveyListApi(TenantApiView, ListAPIView):
    """The tenant's surveys, newest first (GET); create one, blank or from SurveyJS JSON (POST)."""

    required_perm = Perm.SURVEYS_MANAGE
    serializer_class = SurveySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return survey_list(tenant=self.tenant)

    @extend_schema(request=SurveyCreateSerializer, responses={201: SurveySerializer}, summary="Create a survey")
    def post(self, request: Request) -> Response:
        data = SurveyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        definition = data.validated_data.get("definition")
        survey = survey_create(
            tenant=self.tenant,
            title=data.validated_data["title"],
            definition=_object(definition, "definition") if definition is not None else None,
            created_by=request.user if isinstance(request.user, User) else None,
        )
        return Response(SurveySerializer(survey).data, status=201)


class SurveyDetailApi(TenantApiView):
    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(responses=SurveyDetailSerializer, summary="A survey, with the progress of its distribution")
    def get(self, request: Request, survey_id: int) -> Response:
        return Response(SurveyDetailSerializer(survey_get(tenant=self.tenant, pk=survey_id)).data)


class SurveyDefinitionApi(TenantApiView):
    """The SurveyJS JSON of the latest version (GET, an export); replace the draft's (PUT, an import:
    what we do not support is refused, 400, with each problem and where it is in ``fields.definition``)."""

    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=DEFINITION_HELP)},
                   summary="Export the survey's SurveyJS JSON")  # fmt: skip
    def get(self, request: Request, survey_id: int) -> Response:
        return Response(version_latest(survey=survey_get(tenant=self.tenant, pk=survey_id)).definition)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Import SurveyJS JSON into the draft")  # fmt: skip
    def put(self, request: Request, survey_id: int) -> Response:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        version = survey_definition_save(survey=survey, definition=_object(request.data, "definition"))
        return Response(version.definition)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class SurveyPublishApi(TenantApiView):
    """Freeze the draft as the current version and open the survey. Logic errors (a cycle, an unknown
    question, an expression that does not parse) are a 400 naming each."""

    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(request=None, responses=VersionSerializer, summary="Publish the draft")
    def post(self, request: Request, survey_id: int) -> Response:
        version = survey_publish(survey=survey_get(tenant=self.tenant, pk=survey_id))
        return Response(VersionSerializer(version).data)


class SurveyCloseApi(TenantApiView):
    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(request=None, responses=SurveySerializer, summary="Close the survey")
    def post(self, request: Request, survey_id: int) -> Response:
        return Response(SurveySerializer(survey_close(survey=survey_get(tenant=self.tenant, pk=survey_id))).data)


class FiltersSerializer(serializers.Serializer):
    filters = serializers.JSONField(required=False, help_text=FILTERS_HELP)


class EligibleSerializer(serializers.Serializer):
    eligible = serializers.IntegerField(help_text="Active panelists consenting to surveys who match the filters.")


class SurveyEligibleApi(TenantApiView):
    """How many panelists the filters reach, before anything is sent. Sends nothing."""

    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(request=FiltersSerializer, responses=EligibleSerializer, summary="Count the eligible panelists")
    def post(self, request: Request, survey_id: int) -> Response:
        survey_get(tenant=self.tenant, pk=survey_id)
        data = FiltersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = len(eligible_panelists(tenant=self.tenant, filters=_filters(data.validated_data.get("filters"))))
        return Response({"eligible": count})


class WaveInputSerializer(FiltersSerializer):
    method = serializers.ChoiceField(choices=["all", "random", "stratified"])
    size = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100_000)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**62)


class WaveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    seed = serializers.IntegerField(help_text="Draw again with this seed to get the same sample.")
    filters = serializers.JSONField()
    eligible = serializers.IntegerField()
    invited = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SurveyWaveCreateApi(TenantApiView):
    """Invite a sample of the eligible panelists not yet invited; the emails go through the contact cap
    from a worker."""

    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(request=WaveInputSerializer, responses={201: WaveSerializer}, summary="Distribute a wave")
    def post(self, request: Request, survey_id: int) -> Response:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        data = WaveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wave = wave_create(
            survey=survey,
            method=data.validated_data["method"],
            size=data.validated_data.get("size"),
            seed=data.validated_data.get("seed"),
            filters=_filters(data.validated_data.get("filters")),
            created_by=request.user if isinstance(request.user, User) else None,
        )
        return Response(WaveSerializer(wave).data, status=201)


# -- operators: results, responses, exports -------------------------------------------------------------


class BarSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class ChartSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="bars, histogram, heatmap or text")
    answered = serializers.IntegerField()
    bars = serializers.SerializerMethodField()
    rows = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    cells = serializers.SerializerMethodField(help_text="A heat map's counts, row by row.")

    @extend_schema_field(BarSerializer(many=True))
    def get_bars(self, chart: Any) -> list[dict[str, Any]]:
        return [{"label": label, "count": count} for label, count, _pct in chart.bars]

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=serializers.IntegerField())))
    def get_cells(self, chart: Any) -> list[list[int]]:
        return [[count for count, _opacity in line] for line in chart.cells]


class QuotaSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    limit = serializers.IntegerField()
    completes = serializers.IntegerField()


class ResultsSerializer(serializers.Serializer):
    statuses = serializers.DictField(child=serializers.IntegerField())
    quotas = QuotaSerializer(many=True)
    charts = ChartSerializer(many=True)
    total = serializers.IntegerField(help_text="Completed responses counted (rejected ones left out by default).")


REJECTED = OpenApiParameter("rejected", bool, required=False, description="Include rejected responses.")


def _rejected(request: Request) -> bool:
    return request.query_params.get("rejected") in {"1", "true"}


class SurveyResultsApi(TenantApiView):
    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(
        parameters=[OpenApiParameter("question", str, required=False, description="Filter: this question's answer"),
                    OpenApiParameter("value", str, required=False, description="... is (or contains) this."),
                    REJECTED],
        responses=ResultsSerializer, summary="Counts, quota table and a chart per question",
    )  # fmt: skip
    def get(self, request: Request, survey_id: int) -> Response:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        results = results_get(survey=survey, language=get_language() or "en",
                              filter_question=request.query_params.get("question", ""),
                              filter_value=request.query_params.get("value", ""),
                              include_rejected=_rejected(request))  # fmt: skip
        return Response(ResultsSerializer(results).data)


class ResponseSerializer(serializers.ModelSerializer):
    respondent = serializers.SerializerMethodField(help_text="A pseudonymous id, valid in this survey only.")
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = SurveyResponse
        fields = ["id", "respondent", "status", "review", "review_reason", "flags", "version", "started_at",
                  "finished_at", "seconds", "earned", "answers"]  # fmt: skip

    def get_respondent(self, response: SurveyResponse) -> str:
        return pseudonym(response.survey, response.panelist_id)


@extend_schema(parameters=[REJECTED], summary="The survey's responses (pseudonymous)")
class SurveyResponseListApi(TenantApiView, ListAPIView):
    required_perm = Perm.SURVEYS_MANAGE
    serializer_class = ResponseSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        survey = survey_get(tenant=self.tenant, pk=self.kwargs["survey_id"])
        return responses_list(survey=survey, include_rejected=_rejected(self.request))


class ExportInputSerializer(serializers.Serializer):
    fmt = serializers.ChoiceField(choices=list(FORMATS))
    include_rejected = serializers.BooleanField(required=False, default=False)


class ExportSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="queued, running, done, failed, or expired (the link has expired and the file is deleted)."
    )
    expires_at = serializers.SerializerMethodField(help_text="When the file is deleted, once done.")
    download_path = serializers.SerializerMethodField(help_text="The console's signed link (24 hours), once done.")
    file_path = serializers.SerializerMethodField(help_text="This API's download, once done; 410 once expired.")

    class Meta:
        model = SurveyExport
        fields = ["id", "fmt", "status", "rows_total", "rows_done", "include_rejected", "created_at", "finished_at",
                  "expires_at", "download_path", "file_path"]  # fmt: skip

    def get_status(self, export: SurveyExport) -> str:
        return SurveyExport.Status.EXPIRED if survey_export_is_expired(export) else export.status

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, export: SurveyExport) -> str | None:
        expires_at = survey_export_expires_at(export)
        return expires_at.isoformat() if expires_at and export.status != SurveyExport.Status.FAILED else None

    def get_download_path(self, export: SurveyExport) -> str | None:
        if self.get_status(export) != SurveyExport.Status.DONE:
            return None
        return reverse("console_survey_export_download",
                       kwargs={"tenant_slug": export.tenant.slug, "token": survey_export_token(export)})  # fmt: skip

    def get_file_path(self, export: SurveyExport) -> str | None:
        if self.get_status(export) != SurveyExport.Status.DONE:
            return None
        return reverse("api_survey_export_file", kwargs={"survey_id": export.survey_id, "export_id": export.pk})


class SurveyExportCreateApi(TenantApiView):
    """Ask a worker for an export (CSV, SPSS .sav, Parquet or the JSON definition); follow its progress
    at the export's URL."""

    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(request=ExportInputSerializer, responses={202: ExportSerializer}, summary="Start an export")
    def post(self, request: Request, survey_id: int) -> Response:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = survey_export_start(survey=survey, fmt=data.validated_data["fmt"],
                                     include_rejected=data.validated_data["include_rejected"],
                                     created_by=request.user if isinstance(request.user, User) else None)  # fmt: skip
        return Response(ExportSerializer(export).data, status=202)


class SurveyExportDetailApi(TenantApiView):
    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(responses=ExportSerializer, summary="An export's progress and, once done, its links")
    def get(self, request: Request, survey_id: int, export_id: int) -> Response:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        return Response(ExportSerializer(survey_export_get(survey=survey, pk=export_id)).data)


class SurveyExportFileApi(TenantApiView):
    required_perm = Perm.SURVEYS_MANAGE

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   summary="Download a finished export (404 until it is done, 410 once expired)")  # fmt: skip
    def get(self, request: Request, survey_id: int, export_id: int) -> FileResponse:
        survey = survey_get(tenant=self.tenant, pk=survey_id)
        export = survey_export_get(survey=survey, pk=export_id)
        path = survey_export_file(export=export)
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"survey-{survey.pk}.{export.fmt}",
                            content_type="application/octet-stream")  # fmt: skip


# -- operators: review ------------------------------------------------------------------------------------


class ReviewItemSerializer(serializers.ModelSerializer):
    survey = serializers.IntegerField(source="survey_id")
    appeal = serializers.BooleanField(source="appealed_at", help_text="True: an appeal of a rejection.")

    class Meta:
        model = SurveyResponse
        fields = ["id", "survey", "review", "flags", "review_reason", "appeal", "appeal_text", "finished_at",
                  "seconds"]  # fmt: skip


class ReviewQueueApi(TenantApiView, ListAPIView):
    """Responses waiting for a person: held ones, and appeals (decided by another reviewer)."""

    required_perm = Perm.SURVEYS_REVIEW
    serializer_class = ReviewItemSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return review_queue(tenant=self.tenant)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500,
                                   help_text="Required to reject: the panelist reads it.")  # fmt: skip


class ReviewDecisionApi(TenantApiView):
    """Approve (and pay) or reject a held or appealed response. A person decides (GDPR Art. 22): an API
    key is refused (403 ``person_required``); an appeal needs another reviewer than the first."""

    required_perm = Perm.SURVEYS_REVIEW

    @extend_schema(request=DecisionSerializer, responses=ReviewItemSerializer, summary="Decide a held response")
    def post(self, request: Request, response_id: int) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not isinstance(request.user, User):
            raise PermissionDenied(_("A person decides: sign in to review."), code="person_required")
        decided = response_review(response=response_get(tenant=self.tenant, pk=response_id), reviewer=request.user,
                                  approve=data.validated_data["decision"] == "approve",
                                  reason=data.validated_data["reason"])  # fmt: skip
        return Response(ReviewItemSerializer(decided).data)


# -- panelists ----------------------------------------------------------------------------------------------


class MySurveySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="survey.pk")
    title = serializers.CharField(source="survey.title")
    state = serializers.CharField(help_text="new, expired, started, completed, screened_out, quota_full, stopped")
    can_answer = serializers.BooleanField()
    reward = serializers.SerializerMethodField(help_text="Minor units of the panel's currency.")
    expires_at = serializers.DateTimeField(source="invitation.expires_at", allow_null=True, default=None)

    def get_reward(self, item: Any) -> int:
        return survey_reward(item.survey)


class MySurveyListApi(PanelistApiView, ListAPIView):
    """My invitations (and the surveys open to me), newest first."""

    serializer_class = MySurveySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return my_surveys(panelist=self.panelist)


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    text = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    input_type = serializers.CharField()
    choices = serializers.SerializerMethodField()
    other = serializers.BooleanField(help_text='Answer "other" and its text in "<name>-Comment".')
    rows = serializers.SerializerMethodField()
    columns = serializers.SerializerMethodField()
    html = serializers.CharField()
    value = serializers.JSONField(allow_null=True)

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_choices(self, view: Any) -> list[dict[str, str]]:
        return [{"value": v, "text": t} for v, t in view.choices]

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_rows(self, view: Any) -> list[dict[str, str]]:
        return [{"value": v, "text": t} for v, t in view.rows]

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_columns(self, view: Any) -> list[dict[str, str]]:
        return [{"value": v, "text": t} for v, t in view.columns]


class MyResponseSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    status = serializers.CharField()
    review = serializers.CharField(help_text="held: the reward waits for a reviewer; rejected: see review_reason.")
    review_reason = serializers.CharField()
    earned = serializers.IntegerField()
    page = serializers.CharField(help_text="The page to answer next (empty once finished).")
    questions = QuestionSerializer(many=True)


def _state(response: SurveyResponse) -> dict[str, Any]:
    questions = []
    if not response.is_finished and response.current_page:
        questions = engine.page_view(response.version.definition, response.current_page, response.answers,
                                     response.order, get_language() or "en")  # fmt: skip
    return {"survey": response.survey_id, "status": response.status, "review": response.review,
            "review_reason": response.review_reason, "earned": response.earned, "page": response.current_page,
            "questions": QuestionSerializer(questions, many=True).data}  # fmt: skip


class AnswersSerializer(serializers.Serializer):
    answers = serializers.JSONField(
        help_text='{"question": value}: a list for a multiple choice or a ranking (in rank order), an object '
        'row -> column for a matrix, true/false for a boolean, "<name>-Comment" for an "other" text.'
    )


class SurveySubmitSerializer(AnswersSerializer):
    page = serializers.CharField(max_length=64)


class MySurveyStartApi(PanelistApiView):
    """Start (or resume) a survey I am invited to; the answer names the page to answer and its questions."""

    @extend_schema(request=None, responses=MyResponseSerializer, summary="Start or resume a survey")
    def post(self, request: Request, survey_id: int) -> Response:
        survey = survey_live_get(tenant=self.panelist.tenant, pk=survey_id)
        return Response(_state(response_start(survey=survey, panelist=self.panelist)))


def _answer(view: PanelistApiView, request: Request, survey_id: int, page: str | None) -> Response:
    """Answer one page (``page``), or submit the last one (named in the body), from JSON answers."""
    survey = survey_live_get(tenant=view.panelist.tenant, pk=survey_id)
    response = response_get_for(survey=survey, panelist=view.panelist)
    if response is None:
        raise DomainError(_("Start the survey first."), code="not_started", fields={})
    data = (AnswersSerializer if page is not None else SurveySubmitSerializer)(data=request.data)
    data.is_valid(raise_exception=True)
    answers = engine.JsonAnswers(_object(data.validated_data["answers"], "answers"))
    language = get_language() or "en"
    if page is not None:
        return Response(_state(response_page_submit(response=response, page=page, data=answers, language=language)))
    submitted = response_submit(response=response, page=data.validated_data["page"], data=answers, language=language)
    return Response(_state(submitted))


class MySurveyPageApi(PanelistApiView):
    """Answer one page: checked on the server as the pages are (400 with each question's reason; 409 for a
    page I cannot see or a finished survey; 403 once consent is withdrawn)."""

    @extend_schema(request=AnswersSerializer, responses=MyResponseSerializer, summary="Answer a page")
    def post(self, request: Request, survey_id: int, page: str) -> Response:
        return _answer(self, request, survey_id, page)


class MySurveySubmitApi(PanelistApiView):
    """Answer the last page and finish: the answer says what was earned, or why it is held. A second
    submit is a 409 and pays nothing more."""

    @extend_schema(request=SurveySubmitSerializer, responses=MyResponseSerializer, summary="Submit the last page")
    def post(self, request: Request, survey_id: int) -> Response:
        return _answer(self, request, survey_id, None)
