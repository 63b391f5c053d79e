"""surveys' URLs: the panelist's survey pages, the external tool's way back, the console's authoring,
distribution and results, and the API."""

from django.urls import URLPattern, URLResolver, path

from surveys import api
from surveys.views import answering, external, results, review
from surveys.views import console as c

pages: list[URLPattern | URLResolver] = [
    path("surveys/", answering.my_survey_list, name="my_surveys"),
    path("surveys/<int:pk>/", answering.survey_intro, name="survey_intro"),
    path("surveys/<int:pk>/start/", answering.survey_start, name="survey_start"),
    path("surveys/<int:pk>/pages/<str:page>/", answering.survey_page, name="survey_page"),
    path("surveys/<int:pk>/end/", answering.survey_end, name="survey_end"),
    path("surveys/<int:pk>/appeal/", answering.survey_appeal, name="survey_appeal"),
    path("surveys/<int:pk>/return/<str:status>/", external.survey_external_return, name="survey_external_return"),
    path("surveys/<int:pk>/callback/", external.survey_external_callback, name="survey_external_callback"),
]

console: list[URLPattern | URLResolver] = [
    path("surveys/", c.console_surveys, name="console_surveys"),
    path("surveys/new/", c.console_survey_create, name="console_survey_create"),
    path("surveys/<int:pk>/", c.console_survey, name="console_survey"),
    path("surveys/<int:pk>/definition/", c.console_survey_definition, name="console_survey_definition"),
    path("surveys/<int:pk>/survey.json", c.console_survey_export_json, name="console_survey_export_json"),
    path("surveys/<int:pk>/questions/", c.console_question_add, name="console_question_add"),
    path("surveys/<int:pk>/questions/<str:name>/", c.console_question_edit, name="console_question_edit"),
    path("surveys/<int:pk>/questions/<str:name>/move/", c.console_question_move, name="console_question_move"),
    path("surveys/<int:pk>/questions/<str:name>/delete/", c.console_question_delete, name="console_question_delete"),
    path("surveys/<int:pk>/questions/<str:name>/logic/", c.console_question_logic, name="console_question_logic"),
    path("surveys/<int:pk>/questions/<str:name>/logic/form/", c.console_logic_builder, name="console_logic_builder"),
    path("surveys/<int:pk>/questions/<str:name>/texts/", c.console_question_texts, name="console_question_texts"),
    path("surveys/<int:pk>/pages/<str:page>/texts/", c.console_page_texts, name="console_page_texts"),
    path("surveys/<int:pk>/logic-check/", c.console_logic_check, name="console_logic_check"),
    path("surveys/<int:pk>/preview/<str:page>/", c.console_survey_preview, name="console_survey_preview"),
    path("surveys/<int:pk>/publish/", c.console_survey_publish, name="console_survey_publish"),
    path("surveys/<int:pk>/close/", c.console_survey_close, name="console_survey_close"),
    path("surveys/<int:pk>/settings/", c.console_survey_settings, name="console_survey_settings"),
    path("surveys/<int:pk>/quotas/", c.console_quota_add, name="console_quota_add"),
    path("surveys/<int:pk>/quotas/<int:cell>/delete/", c.console_quota_delete, name="console_quota_delete"),
    path("surveys/<int:pk>/eligible/", c.console_survey_eligible, name="console_survey_eligible"),
    path("surveys/<int:pk>/waves/", c.console_wave_create, name="console_wave_create"),
    path("surveys/<int:pk>/progress/", c.console_survey_progress, name="console_survey_progress"),
    path("surveys/<int:pk>/results/", results.console_survey_results, name="console_survey_results"),
    path("surveys/<int:pk>/responses.csv", results.console_survey_export_csv, name="console_survey_export_csv"),
    path(
        "surveys/<int:pk>/codebook.csv", results.console_survey_export_codebook, name="console_survey_export_codebook"
    ),
    path(
        "surveys/<int:pk>/responses.parquet",
        results.console_survey_export_parquet,
        name="console_survey_export_parquet",
    ),
    path("surveys/<int:pk>/responses.sav", results.console_survey_export_sav, name="console_survey_export_sav"),
    path(
        "surveys/<int:pk>/definition.json",
        results.console_survey_export_definition,
        name="console_survey_export_definition",
    ),
    path("surveys/<int:pk>/exports/", results.console_survey_exports, name="console_survey_exports"),
    path("surveys/<int:pk>/exports/new/", results.console_survey_export_start, name="console_survey_export_start"),
    path("survey-exports/<str:token>/", results.console_survey_export_download, name="console_survey_export_download"),
    path("survey-reviews/", review.console_survey_reviews, name="console_survey_reviews"),
    path(
        "survey-reviews/<int:pk>/approve/", review.console_survey_review_approve, name="console_survey_review_approve"
    ),
    path("survey-reviews/<int:pk>/reject/", review.console_survey_review_reject, name="console_survey_review_reject"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("surveys/", api.SurveyListApi.as_view(), name="api_surveys"),
    path("surveys/<int:survey_id>/", api.SurveyDetailApi.as_view(), name="api_survey"),
    path("surveys/<int:survey_id>/definition/", api.SurveyDefinitionApi.as_view(), name="api_survey_definition"),
    path("surveys/<int:survey_id>/publish/", api.SurveyPublishApi.as_view(), name="api_survey_publish"),
    path("surveys/<int:survey_id>/close/", api.SurveyCloseApi.as_view(), name="api_survey_close"),
    path("surveys/<int:survey_id>/eligible/", api.SurveyEligibleApi.as_view(), name="api_survey_eligible"),
    path("surveys/<int:survey_id>/waves/", api.SurveyWaveCreateApi.as_view(), name="api_survey_waves"),
    path("surveys/<int:survey_id>/results/", api.SurveyResultsApi.as_view(), name="api_survey_results"),
    path("surveys/<int:survey_id>/responses/", api.SurveyResponseListApi.as_view(), name="api_survey_responses"),
    path("surveys/<int:survey_id>/exports/", api.SurveyExportCreateApi.as_view(), name="api_survey_exports"),
    path(
        "surveys/<int:survey_id>/exports/<int:export_id>/",
        api.SurveyExportDetailApi.as_view(),
        name="api_survey_export",
    ),
    path(
        "surveys/<int:survey_id>/exports/<int:export_id>/file/",
        api.SurveyExportFileApi.as_view(),
        name="api_survey_export_file",
    ),
    path("survey-reviews/", api.ReviewQueueApi.as_view(), name="api_survey_reviews"),
    path("survey-reviews/<int:response_id>/", api.ReviewDecisionApi.as_view(), name="api_survey_review_decide"),
    path("me/surveys/", api.MySurveyListApi.as_view(), name="api_my_surveys"),
    path("me/surveys/<int:survey_id>/start/", api.MySurveyStartApi.as_view(), name="api_my_survey_start"),
    path("me/surveys/<int:survey_id>/pages/<str:page>/", api.MySurveyPageApi.as_view(), name="api_my_survey_page"),
    path("me/surveys/<int:survey_id>/submit/", api.MySurveySubmitApi.as_view(), name="api_my_survey_submit"),
]
