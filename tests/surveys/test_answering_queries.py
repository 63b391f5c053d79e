"""A survey page's submit is the hot path of the app (every page of every respondent): the statements it
sends are counted, so that a change that adds one is seen."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys.services import responding
from surveys.services.responding import response_start
from tests.surveys.helpers import complete_breakfast, consenting_panelist, live_survey, panel_with_surveys, submit

pytestmark = pytest.mark.django_db

GRID = {f"grid.{row}": str(1 + n % 3) for n, row in enumerate(["taste", "price", "speed", "smell", "look"])}
PAGES = [
    ("screen", {"eats": "yes", "region": "north"}),
    ("habits", {"foods": ["bread", "fruit"], "nps": "9", "why": "good"}),
    ("more", {"again": "true", **GRID}),
]


def test_a_page_is_eight_statements_and_the_last_page_ten() -> None:
    # given an open survey that paid someone already (the tenant's reward settings exist)
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    complete_breakfast(survey, consenting_panelist(tenant))
    panelist = consenting_panelist(tenant)
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    base = f"/t/{tenant.slug}/surveys/{survey.pk}"
    client.post(f"{base}/start/")

    # when the panelist answers the three pages
    counted = {}
    for page, data in PAGES:
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(f"{base}/pages/{page}/", data)
        assert answer.status_code == 302
        # inside the test's own transaction, the page's transaction is a savepoint
        words = [query["sql"].split()[0] for query in queries.captured_queries]
        counted[page] = [{"SAVEPOINT": "BEGIN", "RELEASE": "COMMIT"}.get(word, word) for word in words]

    # then each page is the session, the user, the tenant and the staff membership (the middleware),
    # then BEGIN, the response locked and read with the consent gate, the page written, COMMIT; and the
    # last page also the count and median of completes, and the credit
    assert counted["screen"] == ["SELECT"] * 4 + ["BEGIN", "SELECT", "WITH", "COMMIT"]
    assert counted["habits"] == counted["screen"]
    assert counted["more"] == ["SELECT"] * 4 + ["BEGIN", "SELECT", "SELECT", "WITH", "WITH", "COMMIT"]
    assert "You earned 0.50 EUR" in client.get(answer["Location"]).content.decode()


def test_a_large_surveys_median_of_completes_is_kept_a_minute_instead_of_read_at_every_completion(monkeypatch) -> None:
    # given a survey past the number of completes from which each process keeps their median
    monkeypatch.setattr(responding, "KEEP_MEDIAN_FROM", 2)
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    for _n in range(3):
        complete_breakfast(survey, consenting_panelist(tenant))

    def medians_read() -> int:
        response = response_start(survey=survey, panelist=consenting_panelist(tenant))
        submit(response, "screen", eats="yes", region="north")
        submit(response, "habits", foods=["bread"], nps=9, why="fine")
        with CaptureQueriesContext(connection) as queries:
            submit(response, "more", again="true", **{key.replace(".", "__"): value for key, value in GRID.items()})
        return sum("percentile_cont" in query["sql"] for query in queries.captured_queries)

    # then the next completion uses the kept median (read at the third, when two completes were in)
    assert medians_read() == 0
    # and once it is older than its time, it is read again
    monkeypatch.setattr(responding, "KEEP_MEDIAN_SECONDS", 0.0)
    assert medians_read() == 1
