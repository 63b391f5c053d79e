"""receipts' URLs: the panelist's receipts pages, the reviewers' queue and the program, the APIs."""

from django.urls import URLPattern, URLResolver

pages: list[URLPattern | URLResolver] = []
console: list[URLPattern | URLResolver] = []
api_v1: list[URLPattern | URLResolver] = []
