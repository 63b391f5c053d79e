"""One racing respondent of tests/surveys/test_quality.py: it waits for the start signal (a file), then
submits the last page of its response into a quota cell.

    python -m tests.surveys.quota_racer RESPONSE_ID GO_FILE

It prints one JSON line with the response's final status.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.http import QueryDict  # noqa: E402

from surveys.models import Response  # noqa: E402
from surveys.services.responding import response_page_submit  # noqa: E402


def main(response_id: int, go: Path) -> str:
    response = Response.objects.unscoped().get(pk=response_id)  # across tenants: a test's own response, by id
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    data = QueryDict(mutable=True)
    data["region"] = "north"
    return response_page_submit(response=response, page="p1", data=data, language="en").status


if __name__ == "__main__":
    print(json.dumps({"status": main(int(sys.argv[1]), Path(sys.argv[2]))}))
