"""Large exports: a worker builds the file and counts its rows (the console's progress bar), the
finished file is reached through a signed link that expires and opens nothing in another panel, and
the hourly purge deletes the file once its link has expired."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pyreadstat
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from surveys.export_links import LINK_HOURS, survey_export_token
from surveys.models import SurveyExport
from surveys.results import pseudonym
from surveys.services.exports import survey_export_build, survey_export_start, survey_exports_purge
from tenants.roles import Role
from tenants.services import api_key_create
from tests.surveys.helpers import complete_breakfast, consenting_panelist, invite, live_survey, panel_with_surveys


def answered_survey(people: int = 3):
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    panelists = [consenting_panelist(tenant) for _n in range(people)]
    for panelist in panelists:
        invite(survey, panelist)
        complete_breakfast(survey, panelist)
    return tenant, survey, panelists


def download_link(export: SurveyExport) -> str:
    return f"/t/{export.tenant.slug}/console/survey-exports/{survey_export_token(export)}/"


@pytest.mark.django_db
def test_an_export_is_built_with_its_rows_counted_and_downloaded_through_its_signed_link(make_staff) -> None:
    tenant, survey, people = answered_survey()
    manager = make_staff(tenant=tenant, role=Role.MANAGER)

    export = survey_export_start(survey=survey, fmt="csv")
    built = survey_export_build(export_id=export.pk)
    response = manager.client.get(download_link(export))

    assert built is not None
    assert (built.status, built.rows_total, built.rows_done) == ("done", 3, 3)
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["respondent"] for row in rows} == {pseudonym(survey, p.pk) for p in people}


@pytest.mark.django_db
def test_building_an_export_twice_writes_it_once() -> None:
    _tenant, survey, _people = answered_survey(1)
    export = survey_export_start(survey=survey, fmt="json")
    first = survey_export_build(export_id=export.pk)

    again = survey_export_build(export_id=export.pk)

    assert first is not None
    assert again is not None
    assert again.path == first.path


@pytest.mark.django_db
def test_an_unknown_format_is_refused_and_nothing_is_recorded() -> None:
    _tenant, survey, _people = answered_survey(1)

    with pytest.raises(Exception, match="Choose a format") as refused:
        survey_export_start(survey=survey, fmt="xlsx")

    assert refused.value.fields == {"fmt": ["Unknown format."]}  # type: ignore[attr-defined]
    assert not SurveyExport.objects.filter(survey=survey).exists()


@pytest.mark.django_db
def test_a_forged_an_expired_or_another_panels_link_opens_nothing(make_staff, monkeypatch) -> None:
    tenant, survey, _people = answered_survey(1)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    stranger = make_staff(role=Role.OWNER)
    export = survey_export_start(survey=survey, fmt="csv")
    survey_export_build(export_id=export.pk)
    link = download_link(export)
    signed_at = time.time() - LINK_HOURS * 3600 - 60  # a link signed a day and a minute ago
    monkeypatch.setattr(time, "time", lambda: signed_at)  # what Django's signer reads
    expired = download_link(export)
    monkeypatch.undo()

    assert manager.client.get(link).status_code == 200
    assert manager.client.get(link.replace(":", ":x", 1)).status_code == 404
    too_old = manager.client.get(expired)
    assert too_old.status_code == 410  # a genuine link, only too old: the page says so
    assert "This export has expired" in too_old.content.decode()
    assert stranger.client.get(link.replace(f"/t/{tenant.slug}/", f"/t/{stranger.tenant.slug}/")).status_code == 404


@pytest.mark.django_db
def test_the_results_page_starts_an_export_and_shows_its_progress(make_staff) -> None:
    tenant, survey, _people = answered_survey(2)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    base = f"/t/{tenant.slug}/console/surveys/{survey.pk}"

    started = manager.client.post(f"{base}/exports/new/", {"fmt": "sav"}, headers={"HX-Request": "true"})
    refused = manager.client.post(f"{base}/exports/new/", {"fmt": "doc"}, headers={"HX-Request": "true"})

    export = SurveyExport.objects.get(survey=survey)
    assert started.status_code == 200
    assert f'data-testid="export-{export.pk}" data-status="queued"' in started.content.decode()
    assert 'hx-trigger="every 2s"' in started.content.decode()  # polled while a worker builds it
    assert refused.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_an_spss_export_that_reads_back(celery_worker_process, make_staff, tmp_path) -> None:
    tenant, survey, people = answered_survey(3)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)

    export = survey_export_start(survey=survey, fmt="sav")

    deadline = time.monotonic() + 60
    while (export := SurveyExport.objects.for_tenant(tenant).get(pk=export.pk)).status not in {"done", "failed"}:
        assert time.monotonic() < deadline, celery_worker_process.log.read_text()[-3000:]
        time.sleep(0.3)
    assert (export.status, export.rows_done, export.rows_total) == ("done", 3, 3)
    page = manager.client.get(f"/t/{tenant.slug}/console/surveys/{survey.pk}/exports/").content.decode()
    assert download_link(export).split("survey-exports/")[0] in page
    saved = tmp_path / "export.sav"
    saved.write_bytes(b"".join(manager.client.get(download_link(export)).streaming_content))
    frame, meta = pyreadstat.read_sav(str(saved))
    assert set(frame["respondent"]) == {pseudonym(survey, p.pk) for p in people}
    assert meta.variable_value_labels["region"] == {1.0: "north", 2.0: "south"}


@pytest.mark.django_db
def test_the_hourly_purge_deletes_the_files_of_expired_exports_and_their_download_says_so(make_staff) -> None:
    # given an export finished a day and a minute ago, one finished now, and two files no export names
    tenant, survey, _people = answered_survey(1)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    old = survey_export_build(export_id=survey_export_start(survey=survey, fmt="csv").pk)
    fresh = survey_export_build(export_id=survey_export_start(survey=survey, fmt="json").pk)
    assert old is not None
    assert fresh is not None
    SurveyExport.objects.for_tenant(tenant).filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(hours=LINK_HOURS, minutes=1)
    )
    old_file, fresh_file = Path(settings.MEDIA_ROOT) / old.path, Path(settings.MEDIA_ROOT) / fresh.path
    link = download_link(old)  # signed just now: the link is young, the export is not
    api = Client(headers={"Authorization": "Api-Key " + api_key_create(tenant=tenant, name="k", role=Role.MANAGER,
                                                                        created_by=None).key})  # fmt: skip
    before = manager.client.get(link)
    dead, living = fresh_file.with_name("dead-worker.csv"), fresh_file.with_name("being-written.csv")
    for orphan in (dead, living):
        orphan.write_bytes(b"partial")
    a_day_ago = time.time() - LINK_HOURS * 3600 - 60
    os.utime(dead, (a_day_ago, a_day_ago))

    # when the purge runs (twice: the second finds nothing more to do)
    first = survey_exports_purge()
    second = survey_exports_purge()

    # then the old file is gone and its export is marked, the fresh one stays, and so does a file being written
    assert before.status_code == 410  # refused as soon as it is past its time, before the purge
    assert (first, second) == ({"expired": 1, "orphans": 1}, {"expired": 0, "orphans": 0})
    old.refresh_from_db()
    assert (old.status, old.path) == ("expired", "")
    assert (old_file.exists(), dead.exists()) == (False, False)
    assert (fresh_file.exists(), living.exists()) == (True, True)
    page = manager.client.get(link)
    assert page.status_code == 410
    assert 'data-testid="export-expired"' in page.content.decode()
    assert f"/console/surveys/{survey.pk}/results/" in page.content.decode()
    listed = manager.client.get(f"/t/{tenant.slug}/console/surveys/{survey.pk}/exports/").content.decode()
    assert f'data-testid="export-{old.pk}" data-status="expired"' in listed
    detail = api.get(f"/api/v1/surveys/{survey.pk}/exports/{old.pk}/").json()
    assert (detail["status"], detail["download_path"], detail["file_path"]) == ("expired", None, None)
    refused = api.get(f"/api/v1/surveys/{survey.pk}/exports/{old.pk}/file/")
    assert (refused.status_code, refused.json()["code"]) == (410, "export_expired")
    assert api.get(f"/api/v1/surveys/{survey.pk}/exports/{fresh.pk}/file/").status_code == 200
    living.unlink()


def test_the_purge_runs_every_hour_on_the_purges_queue() -> None:
    from config.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "surveys.tasks.survey_exports_purge_task" in schedule
    route = app.amqp.router.route({}, "surveys.tasks.survey_exports_purge_task")
    assert route["queue"].name == "purges"
