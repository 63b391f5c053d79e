"""Failed sign-ins slow the client that fails; they never lock the owner out.

A lock per account (five wrong passwords, then nobody gets in for five minutes) lets any one client
keep every staff account locked. Instead, failures are counted in Redis (Django's cache) per client,
and the client that fails is made to wait, longer after each failure:

- per account and client address: the first ``LOGIN_FREE_FAILURES`` failures (typos) cost nothing;
  the n-th failure past them makes this client wait 2^n seconds (2, 4, 8, ...) before it may try
  this account again, at most ``LOGIN_DELAY_CAP`` seconds;
- per client address, whatever the account: ``LOGIN_FREE_FAILURES_PER_IP`` free failures (an office
  or a school behind one address), then the same doubling, against one client trying many accounts;
- per account, whatever the client: a ceiling of ``LOGIN_ACCOUNT_CEILING`` failures an hour, past
  which the account refuses every attempt until the hour is over.

Why the ceiling is high (100 by default). It is the only counter that can keep the owner out, so no
single client may reach it. Held back by the two rules above, one client makes at most 15 failed
attempts on one account in an hour (3 free, nine more in 8.5 minutes as the wait doubles up to
512 s, then one each 15 minutes), and 22 across all accounts. Reaching 100 takes at least seven
addresses attacking the account together: a distributed guess, which the ceiling stops at 100 guesses an
hour, at the cost of locking that account for the rest of the hour.

A client's counters are forgotten a day after its last failure. A success clears the counter of that
account and address only, never the address's own counter: otherwise a client holding one valid
account could slip successes between its guesses at others. The same counters guard the second
factor (keyed by the account's id, ``mfa_login``), the password asked again before a change of payout
destination, and allauth's re-authentication.

Keys hold neither the address nor the email in clear (an HMAC of each): Redis keeps no personal data.
Addresses come from allauth's ``get_client_ip`` (``TRUSTED_PROXY_COUNT``); IPv6 counts per /64.
"""

from __future__ import annotations

import ipaddress
import math
import time
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORGET_AFTER = 24 * 3600
CEILING_WINDOW = 3600


class Throttled(Exception):
    """This client may not try again yet; ``message`` says for how long."""

    def __init__(self, message: str, seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.seconds = seconds


def mfa_login(user_pk: object) -> str:
    """The login under which failed second-factor codes of an account are counted."""
    return f"mfa:{user_pk}"


def request_ip(request: HttpRequest | Any) -> str:
    """The client's address as allauth sees it (behind ``TRUSTED_PROXY_COUNT`` proxies), of a Django
    request or of REST framework's (which passes its headers through)."""
    return str(get_adapter(request).get_client_ip(request))


def client_address(ip: str) -> str:
    """The address counted: IPv6 addresses by their /64 (one subscriber's network)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def _digest(value: str) -> str:
    return salted_hmac("accounts.throttle", value).hexdigest()[:32]


def _keys(ip: str, login: str) -> tuple[str, str, str]:
    address = _digest(client_address(ip))
    return f"throttle:ip:{address}", f"throttle:pair:{_digest(login)}:{address}", f"throttle:account:{_digest(login)}"


def _wait_after(failures: int, free: int) -> int:
    over = failures - free
    if over <= 0:
        return 0
    return min(2 ** min(over, 30), settings.LOGIN_DELAY_CAP)


def _increment(key: str, timeout: int, *, refresh: bool) -> int:
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout)
        count = 1
    if refresh:
        cache.touch(key, timeout)
    return count


def login_check(*, ip: str, login: str) -> None:
    """Raise ``Throttled`` when this client must wait before trying ``login`` again."""
    ip_key, pair_key, account_key = _keys(ip, login)
    now = time.time()
    until = max(cache.get(f"{ip_key}:until", 0.0), cache.get(f"{pair_key}:until", 0.0))
    if until > now:
        seconds = math.ceil(until - now)
        raise Throttled(
            ngettext(
                "Too many failed sign-ins from your connection. Try again in %(seconds)d second.",
                "Too many failed sign-ins from your connection. Try again in %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds},
            seconds,
        )
    if cache.get(account_key, 0) >= settings.LOGIN_ACCOUNT_CEILING:
        raise Throttled(
            _("Too many failed sign-ins to this account from many places. Try again in an hour."), CEILING_WINDOW
        )


def login_failed(*, ip: str, login: str) -> int:
    """Count a failure; returns how long this client must now wait before trying ``login`` again."""
    ip_key, pair_key, account_key = _keys(ip, login)
    now = time.time()
    waits = []
    for key, free in ((ip_key, settings.LOGIN_FREE_FAILURES_PER_IP), (pair_key, settings.LOGIN_FREE_FAILURES)):
        wait = _wait_after(_increment(key, FORGET_AFTER, refresh=True), free)
        if wait:
            cache.set(f"{key}:until", now + wait, wait + 1)
        waits.append(wait)
    _increment(account_key, CEILING_WINDOW, refresh=False)  # a fixed window from the first failure
    return max(waits)


def login_succeeded(*, ip: str, login: str) -> None:
    _ip_key, pair_key, _account_key = _keys(ip, login)
    cache.delete_many([pair_key, f"{pair_key}:until"])
