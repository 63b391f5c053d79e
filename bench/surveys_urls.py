"""The application's URLs plus the benchmark's baseline: a plain Django view that does one INSERT."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def one_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_survey_insert (body) VALUES (%s)", [request.body.decode()[:200]])
    return HttpResponse(status=204)


urlpatterns = [path("bench/insert/", one_insert), path("", include("config.urls"))]
