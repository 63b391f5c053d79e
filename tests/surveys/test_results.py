"""Results and exports: counts, quota table, charts per question type, a filter, a cross-tab, and the
exports (CSV with a codebook, SPSS, Parquet, JSON) naming respondents only by a per-survey pseudonym."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pyreadstat
import pytest

from surveys.exports import columns_for, spss_name
from surveys.models import Response
from surveys.results import crosstab_get, pseudonym, results_get
from surveys.services.authoring import quota_add
from surveys.services.responding import response_start
from tenants.roles import Role
from tests.surveys.helpers import (
    complete_breakfast,
    consenting_panelist,
    invite,
    live_survey,
    panel_with_surveys,
    submit,
)
from tests.surveys.samples import breakfast

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    quota_add(survey=survey, question_a="region", value_a="north", limit=10)
    people = [consenting_panelist(tenant) for _n in range(4)]
    for panelist in people:
        invite(survey, panelist)
    complete_breakfast(survey, people[0], region="north")
    complete_breakfast(survey, people[1], region="north")
    complete_breakfast(survey, people[2], region="south")
    submit(response_start(survey=survey, panelist=people[3]), "screen", eats="no", region="south")
    return tenant, survey, people


def test_results_count_statuses_fill_the_quota_table_and_chart_each_question(answered) -> None:
    _tenant, survey, _people = answered

    results = results_get(survey=survey, language="en")

    assert results.statuses == {"completed": 3, "screened_out": 1}
    assert [(c.label, c.limit, c.completes) for c in results.quotas] == [("region = north", 10, 2)]
    charts = {chart.name: chart for chart in results.charts}
    assert [(label, n) for label, n, _pct in charts["region"].bars] == [("north", 2), ("south", 1)]
    assert charts["nps"].kind == "histogram"
    assert ("9", 3) in [(label, n) for label, n, _pct in charts["nps"].bars]
    assert [(label, n) for label, n, _pct in charts["foods"].bars][:3] == [("bread", 3), ("cereal", 0), ("fruit", 3)]
    assert charts["grid"].kind == "heatmap"
    assert charts["grid"].cells[0][0][0] == 3  # everyone gave taste a 1


def test_a_filter_keeps_the_responses_with_one_answer(answered) -> None:
    _tenant, survey, _people = answered

    results = results_get(survey=survey, language="en", filter_question="region", filter_value="south")

    assert results.total == 1


def test_a_crosstab_gives_counts_and_column_percentages(answered) -> None:
    _tenant, survey, _people = answered

    table = crosstab_get(survey=survey, row="eats", column="region")

    assert table is not None
    assert table.column_labels == ["north", "south"]
    assert table.table[0] == ("yes", [(2, 100), (1, 100)])
    assert table.column_totals == [2, 1]


def test_rejected_responses_are_left_out_unless_asked_for(answered) -> None:
    tenant, survey, _people = answered
    Response.objects.for_tenant(tenant).filter(status="completed").update(review="rejected")

    assert results_get(survey=survey, language="en").total == 0
    assert results_get(survey=survey, language="en", include_rejected=True).total == 3


def test_the_csv_export_has_a_column_per_question_or_choice_and_pseudonymous_respondents(answered, make_staff) -> None:
    tenant, survey, people = answered
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    base = f"/t/{tenant.slug}/console/surveys/{survey.pk}"

    response = manager.client.get(f"{base}/responses.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert len(rows) == 4
    assert {row["respondent"] for row in rows} == {pseudonym(survey, p.pk) for p in people}
    assert all(p.user is not None and p.user.email not in str(rows) for p in people)
    first = next(row for row in rows if row["respondent"] == pseudonym(survey, people[0].pk))
    assert (first["region"], first["foods__bread"], first["foods__cereal"], first["grid__taste"]) == (
        "north",
        "1",
        "0",
        "1",
    )
    codebook = b"".join(manager.client.get(f"{base}/codebook.csv").streaming_content).decode()
    assert "foods__bread,What do you eat?: bread,number,," in codebook
    table = pq.read_table(io.BytesIO(b"".join(manager.client.get(f"{base}/responses.parquet").streaming_content)))
    assert table.num_rows == 4
    assert json.loads(b"".join(manager.client.get(f"{base}/definition.json").streaming_content)) == breakfast()
    page = manager.client.get(f"{base}/results/").content.decode()
    assert 'data-testid="chart-region"' in page
    assert "<svg" in page


def test_a_respondent_has_another_id_in_every_survey(answered) -> None:
    tenant, survey, people = answered
    other = live_survey(tenant)

    assert pseudonym(survey, people[0].pk) != pseudonym(other, people[0].pk)


def test_every_question_type_has_its_columns() -> None:
    names = [column.name for column in columns_for(breakfast())]

    assert names[:6] == ["eats", "region", "foods__bread", "foods__cereal", "foods__fruit", "foods__other"]
    assert "foods__other_text" in names
    assert "grid__look" in names


def test_the_spss_export_reads_back_with_variable_and_value_labels(answered, make_staff, tmp_path) -> None:
    tenant, survey, people = answered
    manager = make_staff(tenant=tenant, role=Role.MANAGER)

    response = manager.client.get(f"/t/{tenant.slug}/console/surveys/{survey.pk}/responses.sav")
    saved = tmp_path / "survey.sav"
    saved.write_bytes(b"".join(response.streaming_content))
    frame, meta = pyreadstat.read_sav(str(saved))

    assert response["Content-Disposition"] == f'attachment; filename="survey-{survey.pk}.sav"'
    assert len(frame) == 4
    assert set(frame["respondent"]) == {pseudonym(survey, p.pk) for p in people}
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["region"] == "Where do you live?"
    assert labels["foods__bread"] == "What do you eat?: bread"
    assert meta.variable_value_labels["region"] == {1.0: "north", 2.0: "south"}
    assert meta.variable_value_labels["eats"] == {1.0: "Yes", 2.0: "No"}
    assert meta.variable_value_labels["grid__taste"] == {1.0: "1", 2.0: "2", 3.0: "3"}
    first = frame[frame["respondent"] == pseudonym(survey, people[0].pk)].iloc[0]
    assert (first["region"], first["foods__bread"], first["foods__cereal"], first["nps"]) == (1.0, 1.0, 0.0, 9.0)
    south = frame[frame["respondent"] == pseudonym(survey, people[2].pk)].iloc[0]
    assert south["region"] == 2.0


def test_spss_names_are_valid_and_unique_whatever_the_question_names() -> None:
    taken: set[str] = set()

    names = [spss_name(name, taken) for name in ["1st", "and", "Q-1", "q_1", "Q_1", "a" * 80, "né"]]

    assert names == ["v_1st", "v_and", "Q_1", "q_1_2", "Q_1_3", "a" * 60, "n_"]
