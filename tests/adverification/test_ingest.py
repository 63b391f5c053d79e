"""POST /api/v1/adverification/batches: a device's batch is checked whole, stored once with COPY, and
anything wrong refuses it with a 4xx naming the line and the code, storing nothing."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.test import Client

from adverification.models import AdBatch, AdCount
from adverification.services.devices import device_revoke
from adverification.services.program import ad_program_update
from consent.services.consent import consent_withdraw
from tests.adverification.helpers import AD, LANDING, ad_panel, batch, consenting_panelist, line, paired, this_hour

URL = "/api/v1/adverification/batches"


def send(token: str, body: Any) -> Any:
    return Client().post(URL, data=json.dumps(body), content_type="application/json",
                         headers={"Authorization": f"Device {token}"})  # fmt: skip


def stored() -> int:
    # across tenants: the test's own rows, whatever panel they are in
    return AdCount.objects.unscoped().count()


@pytest.mark.django_db
def test_a_device_sends_impressions_and_clicks_and_they_are_stored_with_domains_and_hours_only() -> None:
    panelist = consenting_panelist(ad_panel())
    device = paired(panelist)
    body = batch(line(count=4), line(domain=LANDING, kind="click", count=1, hour=this_hour(0)))

    response = send(device.token, body)

    assert response.status_code == 201, response.json()
    assert response.json()["accepted"] == 2
    rows = AdCount.objects.for_tenant(panelist.tenant).order_by("kind").values("domain", "site", "kind", "count")
    assert list(rows) == [
        {"domain": LANDING, "site": "publisher.test", "kind": "click", "count": 1},
        {"domain": AD, "site": "publisher.test", "kind": "impression", "count": 4},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "status", "code", "field"),
    [
        ({"domain": "tracker.elsewhere.test"}, 400, "domain_not_watched", "counts.1.domain"),
        ({"domain": LANDING}, 400, "domain_not_watched", "counts.1.domain"),  # a landing domain is no impression
        ({"hour": this_hour(-1)}, 400, "hour_in_future", "counts.1.hour"),
        ({"hour": this_hour(24 * 8)}, 400, "hour_too_old", "counts.1.hour"),
        ({"hour": "2026-01-01T10:30:00Z"}, 400, "hour_not_whole", "counts.1.hour"),
        ({"count": 10**9}, 400, "count_out_of_range", "counts.1.count"),
        ({"count": -5}, 400, "count_out_of_range", "counts.1.count"),
        ({"count": True}, 400, "count_out_of_range", "counts.1.count"),
        ({"site": "https://publisher.test/article?id=42"}, 400, "site_invalid", "counts.1.site"),
        ({"site": "www.publisher.test"}, 400, "site_invalid", "counts.1.site"),
        ({"url": "https://publisher.test/a"}, 400, "line_fields", "counts.1.url"),
    ],
)
def test_a_bad_line_refuses_the_whole_batch_naming_the_line_and_nothing_is_stored(
    bad: dict[str, Any], status: int, code: str, field: str
) -> None:
    device = paired(consenting_panelist(ad_panel()))

    response = send(device.token, batch(line(), line(**bad), line()))

    assert response.status_code == status
    assert response.json()["code"] == code
    assert list(response.json()["fields"]) == [field]
    assert stored() == 0
    assert not AdBatch.objects.unscoped().exists()  # across tenants: nothing of the batch anywhere


@pytest.mark.django_db
def test_an_oversized_batch_is_refused_with_413() -> None:
    device = paired(consenting_panelist(ad_panel()))

    response = send(device.token, batch(*[line() for _ in range(1001)]))

    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert stored() == 0


@pytest.mark.django_db
def test_another_panels_domain_is_not_watched_here() -> None:
    mine = ad_panel()
    theirs = ad_panel()
    ad_program_update(tenant=theirs, ad_domains=["ads.theirs.test"], landing_domains=[], k_anonymity=10, max_devices=2)
    device = paired(consenting_panelist(mine))

    response = send(device.token, batch(line(domain="ads.theirs.test")))

    assert (response.status_code, response.json()["code"]) == (400, "domain_not_watched")
    assert stored() == 0


@pytest.mark.django_db
def test_a_revoked_device_and_a_withdrawn_consent_are_refused_with_a_code_the_extension_shows() -> None:
    panelist = consenting_panelist(ad_panel())
    first, second = paired(panelist), paired(panelist)
    device_revoke(device=first.device)

    revoked = send(first.token, batch())
    consent_withdraw(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="ad_verification",
                     method="web", actor="subject")  # fmt: skip
    withdrawn = send(second.token, batch())
    unknown = send("fpd_000000000000_nothing", batch())
    anonymous = Client().post(URL, data=json.dumps(batch()), content_type="application/json")

    assert (revoked.status_code, revoked.json()["code"]) == (401, "device_revoked")
    assert (withdrawn.status_code, withdrawn.json()["code"]) == (401, "device_revoked")
    assert (unknown.status_code, unknown.json()["code"]) == (401, "device_revoked")
    assert anonymous.status_code == 401
    assert stored() == 0


@pytest.mark.django_db
def test_a_retry_adds_nothing_and_answers_as_the_first_but_other_counts_under_the_same_uuid_are_a_replay() -> None:
    device = paired(consenting_panelist(ad_panel()))
    body = batch(line(count=2))

    first, retry = send(device.token, body), send(device.token, body)
    replay = send(device.token, batch(line(count=9), batch_id=body["batch_id"]))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert (replay.status_code, replay.json()["code"]) == (409, "batch_replayed")
    assert stored() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_the_same_batch_store_it_once_and_get_the_same_answer() -> None:
    device = paired(consenting_panelist(ad_panel()))
    body = batch(*[line(count=n) for n in range(1, 301)])
    answers: list[tuple[int, Any]] = []
    start = threading.Barrier(4)

    def retry() -> None:
        start.wait()
        try:
            response = send(device.token, body)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201] * 4
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    assert stored() == 300
    assert AdBatch.objects.unscoped().filter(batch_id=uuid.UUID(body["batch_id"])).count() == 1  # across tenants: ours


@pytest.mark.django_db
def test_a_device_sending_too_often_is_slowed_down(settings: Any) -> None:
    settings.AD_BATCHES_PER_DEVICE_HOUR = 3
    device = paired(consenting_panelist(ad_panel()))

    answers = [send(device.token, batch()).status_code for _ in range(4)]

    assert answers == [201, 201, 201, 429]


@pytest.mark.django_db
def test_a_panelists_devices_together_are_slowed_down(settings: Any) -> None:
    settings.AD_BATCHES_PER_PANELIST_HOUR = 2
    panelist = consenting_panelist(ad_panel())
    laptop, phone = paired(panelist), paired(panelist)

    answers = [send(laptop.token, batch()).status_code, send(phone.token, batch()).status_code]
    answers.append(send(phone.token, batch()).status_code)

    assert answers == [201, 201, 429]


@pytest.mark.django_db
def test_the_extension_pairs_over_the_api_and_reads_the_watch_list() -> None:
    from adverification.services.devices import pairing_code_create

    panelist = consenting_panelist(ad_panel())
    code = pairing_code_create(panelist=panelist).code

    paired_answer = Client().post("/api/v1/adverification/devices/pair", {"code": code, "name": "Chromium"},
                                  content_type="application/json")  # fmt: skip
    token = paired_answer.json()["token"]
    watch = Client().get("/api/v1/adverification/watchlist", headers={"Authorization": f"Device {token}"})

    assert paired_answer.status_code == 201
    assert watch.json() == {"panel": panelist.tenant.slug, "ad_domains": [AD], "landing_domains": [LANDING]}


@pytest.mark.django_db
def test_a_change_to_the_watch_list_applies_to_the_very_next_batch() -> None:
    panel = ad_panel()
    device = paired(consenting_panelist(panel))
    before = send(device.token, batch(line(domain="ads.new.test")))

    ad_program_update(tenant=panel, ad_domains=[AD, "ads.new.test"], landing_domains=[LANDING], k_anonymity=10,
                      max_devices=2)  # fmt: skip
    after = send(device.token, batch(line(domain="ads.new.test")))
    ad_program_update(tenant=panel, ad_domains=["ads.new.test"], landing_domains=[LANDING], k_anonymity=10,
                      max_devices=2)  # fmt: skip
    dropped = send(device.token, batch(line(domain=AD)))

    assert (before.status_code, before.json()["code"]) == (400, "domain_not_watched")
    assert after.status_code == 201
    assert (dropped.status_code, dropped.json()["code"]) == (400, "domain_not_watched")


@pytest.mark.django_db
def test_a_batch_costs_the_same_few_queries_whatever_its_size(django_assert_max_num_queries: Any) -> None:
    device = paired(consenting_panelist(ad_panel()))
    send(device.token, batch())  # the device's first upload also notes when it was seen

    with django_assert_max_num_queries(5) as small:
        assert send(device.token, batch(line())).status_code == 201
    with django_assert_max_num_queries(5) as large:
        assert (
            send(device.token, batch(*[line(site=f"site{n}.test", count=1 + n % 9) for n in range(1000)])).status_code
            == 201
        )

    # the device and its panel, the consent gate, the batch's idempotency record (then one COPY), and
    # here the savepoint and its release that stand for BEGIN and COMMIT inside the test's transaction
    assert len(small.captured_queries) == len(large.captured_queries) == 5
    assert stored() == 1 + 1 + 1000


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["domain", "site", "hour", "kind", "count"])
@pytest.mark.parametrize("hostile", [None, [], {}, ["x"], {"a": 1}, 1.5, "", "x" * 5000, "a\tb\nc\\d"])
def test_a_hostile_value_anywhere_is_a_400_with_a_code_and_stores_nothing(field: str, hostile: Any) -> None:
    device = paired(consenting_panelist(ad_panel()))

    response = send(device.token, batch(line(), line(**{field: hostile})))

    assert response.status_code == 400
    assert response.json()["code"] != "invalid"
    assert list(response.json()["fields"]) == [f"counts.1.{field}"]
    assert stored() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], "counts", {"batch_id": "not-a-uuid", "counts": [{}]}, {"counts": None}])
def test_a_malformed_batch_is_a_400_and_stores_nothing(body: Any) -> None:
    device = paired(consenting_panelist(ad_panel()))

    response = send(device.token, body)

    assert response.status_code == 400
    assert response.json()["code"]
    assert stored() == 0


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_it_is_read() -> None:
    device = paired(consenting_panelist(ad_panel()))

    response = send(device.token, batch(line(site="x" * 1_000_001)))

    assert (response.status_code, response.json()["code"]) == (413, "batch_too_large")
    assert stored() == 0


def counters(tenant_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(rows), 0) FROM adverification_adcount_rows WHERE tenant_id = %s", [tenant_id]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_each_stored_batch_adds_its_rows_to_the_counters_the_purge_log_reads_and_a_refused_one_adds_none() -> None:
    panelist = consenting_panelist(ad_panel())
    device = paired(panelist)

    accepted = send(device.token, batch(line(count=4), line(domain=LANDING, kind="click", hour=this_hour(0))))
    send(device.token, batch(line(), line(count=-5)))  # refused whole
    send(device.token, batch(*[line(site=f"site{n}.test") for n in range(7)]))

    assert accepted.status_code == 201
    assert counters(panelist.tenant_id) == AdCount.objects.for_tenant(panelist.tenant).count() == 9


@pytest.mark.django_db
def test_a_raw_count_is_never_updated_so_the_counters_stay_true() -> None:
    panelist = consenting_panelist(ad_panel())
    device = paired(panelist)
    send(device.token, batch(line()))

    with pytest.raises(DatabaseError, match="only inserted and deleted"), transaction.atomic():
        AdCount.objects.for_tenant(panelist.tenant).update(hour=F("hour") - timedelta(days=200))

    assert counters(panelist.tenant_id) == AdCount.objects.for_tenant(panelist.tenant).count() == 1
