"""Failed sign-ins slow the client that fails, and never keep the owner out."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import login_with_mfa, totp_now
from tests.factories import PASSWORD, UserFactory, activate_totp

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def sign_in(client: Client, email: str, password: str, ip: str):
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def wait_asked(response) -> int:
    """The seconds the refusal asks the client to wait."""
    found = re.search(r"Too many failed sign-ins from your connection. Try again in (\d+) seconds?\.",
                      response.content.decode())  # fmt: skip
    assert found, response.content.decode()[:2000]
    return int(found.group(1))


def test_five_wrong_passwords_from_one_client_do_not_keep_the_owner_out() -> None:
    # given a staff account with TOTP, and a client that tries five wrong passwords
    user = UserFactory.create()
    secret = activate_totp(user)
    attacker = Client()
    for _ in range(4):
        assert "_auth_user_id" not in sign_in(attacker, user.email, "wrong password", ATTACKER).wsgi_request.session
    assert 1 <= wait_asked(sign_in(attacker, user.email, PASSWORD, ATTACKER)) <= 2  # past 3 free failures: 2 s
    time.sleep(2.1)
    fifth = sign_in(attacker, user.email, "wrong password", ATTACKER)
    assert "The email address and/or password you specified are not correct." in fifth.content.decode()

    # when the owner signs in from another client with the right password
    owner = Client()
    response = sign_in(owner, user.email, PASSWORD, OWNER)

    # then they reach the second factor, and in with it
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert owner.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)}, REMOTE_ADDR=OWNER).status_code == 302
    assert "_auth_user_id" in owner.session

    # while the attacking client is refused, even with the right password, and its wait has grown
    refused = sign_in(attacker, user.email, PASSWORD, ATTACKER)
    assert refused.status_code == 200
    assert 3 <= wait_asked(refused) <= 4
    assert "_auth_user_id" not in attacker.session


def test_a_client_trying_many_accounts_is_slowed_whatever_the_account() -> None:
    people = UserFactory.create_batch(12)
    attacker = Client()
    for person in people[:11]:  # ten free failures from one address, the eleventh costs 2 s
        sign_in(attacker, person.email, "wrong password", ATTACKER)

    refused = sign_in(attacker, people[11].email, PASSWORD, ATTACKER)
    let_in = sign_in(Client(), people[11].email, PASSWORD, OWNER)

    assert 1 <= wait_asked(refused) <= 2
    assert let_in.status_code == 302


@override_settings(LOGIN_ACCOUNT_CEILING=20)
def test_many_clients_together_hit_the_accounts_ceiling() -> None:
    user = UserFactory.create()
    for n in range(20):  # twenty addresses, one failure each: no per-client wait
        sign_in(Client(), user.email, "wrong password", f"192.0.2.{n}")

    refused = sign_in(Client(), user.email, PASSWORD, OWNER)

    assert "Too many failed sign-ins to this account from many places. Try again in an hour." in (
        refused.content.decode()
    )


def test_a_success_forgives_the_failures_of_that_client_on_that_account() -> None:
    user = UserFactory.create()
    client = Client()
    for _ in range(3):
        sign_in(client, user.email, "wrong password", OWNER)
    assert sign_in(client, user.email, PASSWORD, OWNER).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(3):
        assert "Too many" not in sign_in(client, user.email, "wrong password", OWNER).content.decode()


def test_wrong_second_factor_codes_slow_the_client_but_not_the_owner() -> None:
    user = UserFactory.create()
    secret = activate_totp(user)
    wrong = f"{(int(totp_now(secret)) + 1) % 1_000_000:06d}"
    attacker = Client()
    sign_in(attacker, user.email, PASSWORD, ATTACKER)  # someone who has the password
    for _ in range(4):
        attacker.post("/accounts/2fa/authenticate/", {"code": wrong}, REMOTE_ADDR=ATTACKER)

    refused = attacker.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)}, REMOTE_ADDR=ATTACKER)
    owner = Client()

    assert 1 <= wait_asked(refused) <= 2
    assert "_auth_user_id" not in attacker.session
    login_with_mfa(owner, user, secret)  # from 127.0.0.1: password, then the code
    assert "_auth_user_id" in owner.session


def test_the_counters_in_redis_name_neither_the_email_nor_the_address() -> None:
    user = UserFactory.create(email="canary.person@example.test")
    for _ in range(5):
        sign_in(Client(), user.email, "wrong password", ATTACKER)

    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = b" ".join(redis.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*throttle*"))
    assert keys.count(b"throttle") >= 3
    assert b"canary" not in keys
    assert ATTACKER.encode() not in keys
