"""Expired login sessions are purged every day; the others stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.services import session_purge

pytestmark = pytest.mark.django_db


def test_the_purge_deletes_only_expired_sessions_and_counts_them() -> None:
    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="x", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="current" * 4, session_data="x", expire_date=now + timedelta(days=1))

    assert session_purge() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]
    assert session_purge() == 0
