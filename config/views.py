"""Error pages: JSON in the API's one error format under /api/, HTML elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.api import api_not_found, json_error_response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django's own refusals (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a bad Host) land here.
    if request.path.startswith("/api/"):
        return json_error_response(request, "bad_request", "The request is malformed or too large.", 400)
    return render(request, "400.html", status=400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error_response(request, "permission_denied", "You may not do this.", 403)
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error_response(request, "server_error", "Something went wrong on our side.", 500)
    return render(request, "500.html", status=500)
