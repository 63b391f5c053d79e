"""Domain names as the program reads them: a watched host, and the registrable domain of a site."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from publicsuffixlist import PublicSuffixList

HOST = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def is_host(value: str) -> bool:
    """A lowercase host name with at least two labels (never a URL, a path, a port or an address)."""
    return bool(HOST.match(value)) and not value.replace(".", "").isdigit()


def registrable_domain(host: str) -> str | None:
    """The registrable domain of ``host`` (``news.example.co.uk`` -> ``example.co.uk``), or None."""
    if not is_host(host):
        return None
    found = _psl().privatesuffix(host)
    return str(found) if found else None


def is_registrable(site: str) -> bool:
    """A site as the extension must send it: exactly a registrable domain, nothing more."""
    return len(site) <= 253 and _is_registrable(site)


@lru_cache(maxsize=50_000)  # sites repeat from batch to batch; only names of a host's length are kept
def _is_registrable(site: str) -> bool:
    return registrable_domain(site) == site
