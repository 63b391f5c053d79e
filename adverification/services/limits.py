"""Fixed-window counters in Redis (Django's cache): how often a device, a panelist or an address may
do something. Keys hold ids or an HMAC of the address, never the address itself."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from core.errors import RateLimited


def limit_hit(*, scope: str, key: str, limit: int, window: int, detail: str) -> None:
    """Count one attempt of ``key`` in the current window; past ``limit``, refuse it with a 429."""
    bucket = int(time.time()) // window
    name = f"adverification:{scope}:{key}:{bucket}"
    cache.add(name, 0, timeout=window + 5)
    if cache.incr(name) > limit:
        raise RateLimited(detail)


def address_key(ip: str) -> str:
    return salted_hmac("adverification.address", ip).hexdigest()[:32]
