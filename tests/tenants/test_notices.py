"""Creating an API key mails the person who created it a notice, through a worker, with ids only in
the message."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from tenants.models import ApiKey
from tenants.tasks import api_key_notice_send_task
from tests.enqueued import assert_ids_only, broker_take, enqueued, run_enqueued

NOTICE = "tenants.tasks.api_key_notice_send_task"


@pytest.mark.django_db
def test_creating_an_api_key_mails_its_creator_a_notice_without_the_key(
    make_staff, django_capture_on_commit_callbacks
) -> None:
    owner = make_staff()

    with django_capture_on_commit_callbacks() as callbacks:
        page = owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/", {"name": "CRM sync", "role": "manager"})

    key = ApiKey.objects.unscoped().get(tenant=owner.tenant)
    secret = re.search(r"fp_[0-9a-f]{8}_[\w-]+", page.content.decode())
    assert secret
    messages = enqueued(callbacks)
    assert messages == [(NOTICE, (key.pk, "en"))]
    assert_ids_only(messages)
    assert run_enqueued(callbacks, NOTICE) == [True]
    [notice] = mail.outbox
    assert notice.to == [owner.user.email]
    assert "A new API key was created with your account" in notice.subject
    assert "“CRM sync”, with the role Manager" in str(notice.body)
    assert f"/t/{owner.tenant.slug}/console/api-keys/" in str(notice.body)
    assert secret.group(0) not in str(notice.body)
    assert key.prefix not in str(notice.body)


@pytest.mark.django_db
def test_a_key_made_by_nobody_in_particular_mails_nobody(django_capture_on_commit_callbacks) -> None:
    from tenants.services import api_key_create
    from tests.factories import TenantFactory

    with django_capture_on_commit_callbacks() as callbacks:
        api_key_create(tenant=TenantFactory.create(), name="bench", role="manager", created_by=None)

    assert enqueued(callbacks) == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notice_from_the_broker(make_staff, celery_worker_process) -> None:
    owner = make_staff()

    owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/", {"name": "Nightly export", "role": "auditor"})

    key = ApiKey.objects.unscoped().get(tenant=owner.tenant)
    deadline = time.monotonic() + 30
    done = re.compile(rf"{re.escape(NOTICE)}\[[0-9a-f-]+\] succeeded in [0-9.]+s: True")
    while not done.search(celery_worker_process.log.read_text()):
        assert time.monotonic() < deadline, celery_worker_process.log.read_text()[-3000:]
        time.sleep(0.2)
    assert broker_take(NOTICE) == []  # consumed
    assert owner.user.email not in celery_worker_process.log.read_text()
    assert api_key_notice_send_task(key.pk, "en") is True  # and the same message again sends a second copy
