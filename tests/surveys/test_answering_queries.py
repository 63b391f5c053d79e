"""A survey page's submit is the hot path of the app (every page of every respondent): the statements it
sends are counted, so that a change that adds one is seen."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.surveys.helpers import complete_breakfast, consenting_panelist, live_survey, panel_with_surveys

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
