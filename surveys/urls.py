"""surveys' URLs: the panelist's survey pages, the console's authoring, distribution and results, and
the API."""

from django.urls import URLPattern, URLResolver, path

from surveys.views import answering

pages: list[URLPattern | URLResolver] = [
    path("surveys/", answering.my_survey_list, name="my_surveys"),
    path("surveys/<int:pk>/", answering.survey_intro, name="survey_intro"),
    path("surveys/<int:pk>/start/", answering.survey_start, name="survey_start"),
    path("surveys/<int:pk>/pages/<str:page>/", answering.survey_page, name="survey_page"),
    path("surveys/<int:pk>/end/", answering.survey_end, name="survey_end"),
    path("surveys/<int:pk>/appeal/", answering.survey_appeal, name="survey_appeal"),
]

console: list[URLPattern | URLResolver] = []

api_v1: list[URLPattern | URLResolver] = []
