"""Fixed-window counters in Redis (Django's cache): how often a device, a panelist or an address may
do something. Keys hold ids or an HMAC of the address, never the address itself."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from core.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    scope: str
    key: str
    limit: int
    window: int  # seconds
    detail: str  # why it is refused, for the 429


def limits_hit(*limits: Limit) -> None:
    """Count one attempt against each limit in one round trip to Redis; past any of them, refuse
    with a 429 (the first one passed, in the order given)."""
    now = int(time.time())
    names = [cache.make_and_validate_key(f"adverification:{x.scope}:{x.key}:{now // x.window}") for x in limits]
    client: Any = cache._cache.get_client(names[0], write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    for name, limit in zip(names, limits, strict=True):
        pipe.incr(name)
        # The key names its window, so setting its expiry on every count is harmless; EXPIRE's NX
        # option would need Redis 7, and the embedded Redis of `make run` is 6.
        pipe.expire(name, limit.window + 5)
    counted = pipe.execute()[::2]
    for seen, limit in zip(counted, limits, strict=True):
        if seen > limit.limit:
            raise RateLimited(limit.detail)


def limit_hit(*, scope: str, key: str, limit: int, window: int, detail: str) -> None:
    """Count one attempt of ``key`` in the current window; past ``limit``, refuse it with a 429."""
    limits_hit(Limit(scope, key, limit, window, detail))


def address_key(ip: str) -> str:
    return salted_hmac("adverification.address", ip).hexdigest()[:32]
