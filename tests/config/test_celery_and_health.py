"""Celery against the real broker with a real worker process, and /healthz reporting on all three.

The tests without a worker come first: the module-scoped worker starts at the first test that asks
for it and stops at the end of the module.
"""

from __future__ import annotations

import inspect
import socket
import time
import typing
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.tasks import session_purge_task
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def queue_length(name: str) -> int:
    with app.connection_for_write() as conn:
        return int(conn.default_channel.client.llen(name))  # type: ignore[attr-defined]


def drain(name: str) -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(name)  # type: ignore[attr-defined]


def test_health_is_503_naming_the_worker_when_none_runs(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["worker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_health_keeps_the_workers_answer_for_a_few_seconds_instead_of_pinging_on_every_probe(
    client: Client,
) -> None:
    # given no worker runs: a real ping waits the whole timeout for an answer that never comes
    first = client.get("/healthz").json()["checks"]["worker"]

    # when probed again at once
    second = client.get("/healthz").json()["checks"]["worker"]

    # then the second answer comes from the cache, without a broadcast and without the wait
    assert first == {"ok": False, "ms": first["ms"]}
    assert first["ms"] >= settings.FAIRPANEL_HEALTH_WORKER_TIMEOUT * 1000 * 0.9
    assert second == {"ok": False, "cached": True, "ms": second["ms"]}
    assert second["ms"] < first["ms"] / 10


def test_health_names_the_broker_when_it_is_unreachable(client: Client) -> None:
    real = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # type: ignore[misc]  # nothing listens on port 1
    try:
        body = client.get("/healthz").json()
    finally:
        app.conf.broker_url = real  # type: ignore[misc]

    assert "broker" in body["down"]
    assert body["checks"]["broker"] == {"ok": False, "ms": body["checks"]["broker"]["ms"]}  # no internals leak


def test_a_task_is_enqueued_only_after_the_transaction_commits() -> None:
    drain("purges")

    with transaction.atomic():
        session_purge_task.delay_on_commit()
        assert queue_length("purges") == 0  # not yet: the transaction is open
    assert queue_length("purges") == 1

    try:
        with transaction.atomic():
            session_purge_task.delay_on_commit()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert queue_length("purges") == 1  # the rolled-back one never left
    drain("purges")


def test_tasks_are_routed_to_their_queues() -> None:
    router = app.amqp.router

    assert router.route({}, "accounts.tasks.session_purge_task")["queue"].name == "purges"
    assert router.route({}, "rewards.tasks.payout_run_start_task")["queue"].name == "payouts"
    assert router.route({}, "adverification.tasks.ad_event_ingest_task")["queue"].name == "ingest"
    assert router.route({}, "config.ping")["queue"].name == "default"


def test_the_celery_defaults_are_safe() -> None:
    conf = app.conf

    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert session_purge_task.max_retries == 5
    from django.db import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    assert OperationalError in session_purge_task.autoretry_for
    assert RedisConnectionError in session_purge_task.autoretry_for
    assert "purge-expired-sessions" in conf.beat_schedule


# What a task's message may carry: ids, and plain values that name no one (an ISO month; who asked:
# "user:<id>", "command:<name>" or "system"; a language code; the kind of a security event). Never an
# address, a name or other personal data: messages sit in Redis, where an erasure cannot reach them.
ALLOWED_STR_PARAMETERS = {"period", "actor", "language", "event"}


def test_every_task_takes_ids_only_never_personal_data() -> None:
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks.py
    ours = {
        name: task
        for name, task in app.tasks.items()
        if name.split(".")[0] in {"accounts", "tenants", "consent", "panel", "rewards", "surveys", "config"}
    }
    assert "consent.tasks.consent_receipt_email_send_task" in ours

    refused = []
    for name, task in sorted(ours.items()):
        hints = typing.get_type_hints(task.run)
        for parameter in inspect.signature(task.run).parameters:
            hint = hints.get(parameter)
            if hint in (int, int | None, list[int]) or (hint is str and parameter in ALLOWED_STR_PARAMETERS):
                continue
            refused.append(f"{name}({parameter}: {hint})")

    assert refused == [], "tasks must take ids only: " + ", ".join(refused)


def test_a_real_worker_runs_a_task_from_the_real_broker(celery_worker_process) -> None:
    # given a session that expired yesterday and one that is still valid
    Session.objects.create(session_key="expired" * 4, session_data="x", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="current" * 4, session_data="x", expire_date=timezone.now() + timedelta(days=1))

    # when the purge is enqueued on the broker
    session_purge_task.delay()

    # then the worker process deletes the expired one
    deadline = time.monotonic() + 30
    while Session.objects.filter(session_key="expired" * 4).exists():
        assert time.monotonic() < deadline, celery_worker_process.log.read_text()[-3000:]
        time.sleep(0.2)
    assert Session.objects.filter(session_key="current" * 4).exists()
    assert "accounts.tasks.session_purge_task" in celery_worker_process.log.read_text()


def test_health_is_200_when_the_database_broker_and_worker_are_up(celery_worker_process, client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["checks"]["worker"]["workers"] >= 1
    assert socket.gethostname() not in response.content.decode()  # no host names for anonymous callers
