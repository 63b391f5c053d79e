"""Releasing people from the waitlist: first come first served, uniform random, or quota-balanced.

A release never exceeds the panel's remaining capacity, takes what exists when the list is shorter
than asked (and says so), and records who ran it, the method, the seed and the achieved shares, so
that a selection can be explained and repeated. Invitations are created in bulk and mailed by
Celery in batches after the transaction commits.
"""

from __future__ import annotations

import math
import random
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from panel.models import WaitlistEntry, WaitlistRelease
from panel.selectors import panel_remaining_capacity, waitlist_pool
from panel.services.invitations import membership_text_require
from panel.tasks import invitations_send_batch_task
from tenants.models import Tenant

SEND_BATCH = 500
MAX_RELEASE = 1_000_000


def release_targets_parse(text: str) -> dict[str, dict[str, float]]:
    """``gender=female:50, gender=male:50`` (one attribute=value:percent per item) -> shares."""
    targets: dict[str, dict[str, float]] = {}
    for item in [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]:
        try:
            pair, percent = item.rsplit(":", 1)
            key, value = pair.split("=", 1)
            targets.setdefault(key.strip(), {})[value.strip()] = float(percent) / 100
        except ValueError:
            raise DomainError(
                _("Cannot read “%(item)s”.") % {"item": item[:80]},
                fields={"targets": [_("Write attribute=value:percent, ...")]},
            ) from None
    for key, shares in targets.items():
        if not math.isclose(sum(shares.values()), 1.0, abs_tol=0.011):
            raise DomainError(
                _("The shares of “%(key)s” add up to %(percent).0f%%, not 100%%.")
                % {"key": key, "percent": sum(shares.values()) * 100},
                fields={"targets": [_("Make the shares of “%(key)s” add up to 100.") % {"key": key}]},
            )
    return targets


def bucket(answer: Any, values: Iterable[str]) -> str:
    """Which target value an answer counts for: the same value, or a band like ``1960-1979``
    (for age bands from the year of birth); ``other`` when none."""
    for value in values:
        band = re.fullmatch(r"(\d+)-(\d+)", value)
        if band and isinstance(answer, int) and int(band[1]) <= answer <= int(band[2]):
            return value
        if str(answer) == value:
            return value
    return "other"


def _quota_pick(
    candidates: list[tuple[int, dict[str, Any]]], n: int, targets: dict[str, dict[str, float]]
) -> list[int]:
    """Greedy: take, in the seeded order, whoever still fits under every target; then fill up."""
    caps = {key: {value: math.ceil(share * n) for value, share in shares.items()} for key, shares in targets.items()}
    counts: dict[str, Counter[str]] = {key: Counter() for key in targets}
    picked: list[int] = []
    rest: list[int] = []
    for entry_id, answers in candidates:
        if len(picked) == n:
            break
        values = {key: bucket(answers.get(key), targets[key]) for key in targets}
        if all(counts[key][values[key]] < caps[key].get(values[key], 0) for key in targets):
            picked.append(entry_id)
            for key in targets:
                counts[key][values[key]] += 1
        else:
            rest.append(entry_id)
    return picked + rest[: n - len(picked)]


def _invite(tenant: Tenant, entry_ids: list[int], created_by: User | None, release: WaitlistRelease) -> list[int]:
    """Invite the chosen entries in one statement: the invitations (their nonces drawn by the
    database's gen_random_uuid, 122 random bits) and the entries' new status, in entry order.

    People who already hold a live invitation or are panelists already are skipped; a pending
    invitation that has expired gives way to the new one.
    """
    if not entry_ids:
        return []
    expires = timezone.now() + timedelta(days=tenant.invitation_days)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE panel_invitation SET status = 'revoked', revoked_at = now()"
            " WHERE tenant_id = %s AND status = 'pending' AND expires_at <= now()"
            " AND email IN (SELECT email FROM panel_waitlistentry WHERE id = ANY(%s))",
            [tenant.pk, entry_ids],
        )
        cursor.execute(
            """
            WITH chosen AS (
                SELECT e.id, e.email FROM panel_waitlistentry e
                WHERE e.id = ANY(%s) AND e.tenant_id = %s AND e.status = 'waiting'
                  AND NOT EXISTS (SELECT 1 FROM panel_invitation i
                                  WHERE i.tenant_id = e.tenant_id AND i.email = e.email AND i.status = 'pending')
                  AND NOT EXISTS (SELECT 1 FROM panel_panelist p JOIN accounts_user u ON u.id = p.user_id
                                  WHERE p.tenant_id = e.tenant_id AND p.status = 'active'
                                    AND lower(u.email) = e.email)
            ),
            created AS (
                INSERT INTO panel_invitation (tenant_id, email, nonce, status, source, created_by_id, created_at,
                                              expires_at, reminders_sent, release_id)
                SELECT %s, chosen.email, replace(gen_random_uuid()::text, '-', ''), 'pending', 'waitlist', %s,
                       now(), %s, 0, %s
                FROM chosen ORDER BY chosen.id
                -- someone invited directly at this very moment keeps that invitation
                ON CONFLICT (tenant_id, email) WHERE status = 'pending' DO NOTHING
                RETURNING id, email
            )
            UPDATE panel_waitlistentry AS e SET status = 'invited', invitation_id = created.id
            FROM created WHERE e.tenant_id = %s AND e.email = created.email
            RETURNING created.id
            """,
            [entry_ids, tenant.pk, tenant.pk, getattr(created_by, "pk", None), expires, release.pk, tenant.pk],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _shares(entries: list[WaitlistEntry], targets: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    shares: dict[str, dict[str, float]] = {}
    for key, values in targets.items():
        counts = Counter(bucket(e.answers.get(key), values) for e in entries)
        shares[key] = {value: round(c / len(entries), 4) for value, c in counts.items()} if entries else {}
    return shares


def waitlist_release(
    *,
    tenant: Tenant,
    count: int,
    method: str,
    created_by: User | None,
    seed: int | None = None,
    filters: dict[str, str] | None = None,
    targets: dict[str, dict[str, float]] | None = None,
) -> WaitlistRelease:
    membership_text_require(tenant=tenant)
    if not 1 <= count <= MAX_RELEASE:
        most = {"n": number_format(MAX_RELEASE, force_grouping=True)}
        raise DomainError(_("Release from 1 to %(n)s people.") % most, fields={"count": [_("Use 1 to %(n)s.") % most]})
    if seed is not None and not 0 <= seed < 2**63:
        raise DomainError(
            _("The seed is out of range."), fields={"seed": [_("Use a whole number from 0 to 2^63 - 1.")]}
        )
    if method not in WaitlistRelease.Method.values:
        raise DomainError(_("Unknown method."), fields={"method": [_("Use first come, random or quota.")]})
    if method == WaitlistRelease.Method.QUOTA and not targets:
        raise DomainError(_("A quota release needs targets."), fields={"targets": [_("Give at least one target.")]})
    seed = seed if seed is not None else secrets.randbelow(2**31)
    filters = filters or {}
    with transaction.atomic():
        # One release at a time per panel: the capacity check and the selection must not interleave.
        Tenant.objects.select_for_update().get(pk=tenant.pk)
        capacity = panel_remaining_capacity(tenant=tenant)
        pool = waitlist_pool(tenant=tenant, filters=filters)
        n = min(count, capacity)
        if method == WaitlistRelease.Method.FCFS:
            chosen = list(pool.order_by("confirmed_at", "id").values_list("id", flat=True)[:n])
        else:
            candidates = list(pool.order_by("id").values_list("id", "answers"))
            random.Random(seed).shuffle(candidates)  # noqa: S311 - a reproducible draw, not a secret
            if method == WaitlistRelease.Method.RANDOM:
                chosen = [entry_id for entry_id, _answers in candidates[:n]]
            else:
                chosen = _quota_pick(candidates, n, targets or {})
        release = WaitlistRelease.objects.create(
            tenant=tenant, method=method, seed=seed, requested=count, released=0, filters=filters,
            targets=targets or {}, created_by=created_by,
        )  # fmt: skip
        invitation_ids = _invite(tenant, chosen, created_by, release)
        achieved: dict[str, dict[str, float]] = {}
        if targets:  # the achieved shares are only worth reading back for a quota release
            entries = list(
                WaitlistEntry.objects.for_tenant(tenant).filter(invitation_id__in=invitation_ids).only("id", "answers")
            )
            achieved = _shares(entries, targets)
        notes = []
        if len(invitation_ids) < count:
            if capacity < count:
                notes.append(f"the panel has room for {capacity} more")
            if len(invitation_ids) < min(count, capacity):
                notes.append(f"only {len(invitation_ids)} people matched on the list")
        release.released, release.achieved, release.note = len(invitation_ids), achieved, "; ".join(notes)
        release.save(update_fields=["released", "achieved", "note"])
        for start in range(0, len(invitation_ids), SEND_BATCH):
            invitations_send_batch_task.delay_on_commit(invitation_ids[start : start + SEND_BATCH])
    return release
