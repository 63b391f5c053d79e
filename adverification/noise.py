"""Optional noise on a report, from OpenDP: discrete Laplace noise on the figures of the cells that
already passed k-anonymity (never on "other", never to bring back a hidden cell).

The guarantee is per released figure, at the event level: adding or removing one impression, one
click or one panelist changes one figure by one, and the noise (scale 1/ε) bounds what that change
can reveal by a factor of e^ε. The reviewer chooses ε per report; a smaller ε is more noise.

A report with the same exact figures and the same ε gets the same noise back for a day (kept in
the cache under a digest of its exact cells), so reloading a page or downloading its CSV cannot
average the noise away; a change in the counts (new data, a panelist deleting a day) draws anew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.core.cache import cache as django_cache
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

EPSILON_MIN = 0.01
EPSILON_MAX = 10.0
KEEP_SECONDS = 24 * 3600


def epsilon_parse(text: str | None) -> float | None:
    """The ε a reviewer typed, or None (no noise: the exact report). Out of range is a 400."""
    if text is None or not text.strip():
        return None
    try:
        epsilon = float(text.replace(",", "."))
    except ValueError:
        epsilon = -1.0
    if not EPSILON_MIN <= epsilon <= EPSILON_MAX:  # also refuses nan and inf
        message = str(_("Choose an epsilon from %(low)s to %(high)s, or none for exact figures."))
        message %= {"low": EPSILON_MIN, "high": EPSILON_MAX}
        raise DomainError(message, code="epsilon_invalid", fields={"epsilon": [message]})
    return epsilon


@cache
def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")  # the discrete Laplace mechanism is a contributed one
    return dp


def _draw(values: list[int], epsilon: float) -> list[int]:
    dp = _opendp()
    measurement = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0 / epsilon)
    if measurement.map(1) > epsilon * (1 + 1e-9):  # what OpenDP proves for a change of one
        raise RuntimeError("The noise does not give the epsilon asked for.")
    return [max(0, int(value)) for value in measurement(values)]  # a count is never below zero


def noisy(*, scope: str, figures: Sequence[Sequence[int]], epsilon: float) -> list[list[int]]:
    """Each row of ``figures`` with noise added to every figure, the same for the same ``scope``
    (the tenant), figures and ε during a day."""
    exact = [list(row) for row in figures]
    digest = hashlib.sha256(json.dumps([scope, epsilon, exact]).encode()).hexdigest()
    key = f"adverification:noise:{digest}"
    kept = django_cache.get(key)
    if kept is not None:
        return list(kept)
    flat = _draw([value for row in exact for value in row], epsilon)
    out, at = [], 0
    for row in exact:
        out.append(flat[at : at + len(row)])
        at += len(row)
    django_cache.set(key, out, KEEP_SECONDS)
    return out
