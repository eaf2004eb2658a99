"""One account guessed from many addresses: a limit across every IP, on the API and the
admin, that cannot be used to lock the traveler out from a client they logged in from."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from accounts.errors import InvalidCredentials, TooManyLoginAttempts
from accounts.services import user_authenticate
from tests.factories.accounts import PASSWORD, UserFactory
from tests.flows import assert_problem
from travelguru.models import RateCounter

pytestmark = pytest.mark.django_db

ATTACKERS = [f"198.51.100.{n}" for n in range(1, 31)]  # 30 addresses
TRAVELER_HOME = "203.0.113.9"
NEW_PLACE = "192.0.2.77"


def api_login(api_client, ip: str, password: str, email: str = "ada@example.com"):
    return api_client.post(
        "/api/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def guess_from_30_addresses(send) -> list[int]:
    """150 wrong passwords, 5 from each of 30 addresses (each under its own 5-per-account
    limit, as a botnet would spread them)."""
    return [send(ip, f"guess-{ip}-{n}").status_code for n in range(5) for ip in ATTACKERS]


def test_150_guesses_from_30_addresses_then_the_right_password_is_429(api_client):
    # given
    UserFactory.create(email="ada@example.com")
    # when
    statuses = guess_from_30_addresses(lambda ip, pw: api_login(api_client, ip, pw))
    right = api_login(api_client, NEW_PLACE, PASSWORD)
    right_from_an_attacker = api_login(api_client, ATTACKERS[0], PASSWORD)
    # then: 20 passwords were checked, the other 130 guesses were refused unchecked
    assert statuses.count(401) == settings.LOGIN_FAILURES_PER_ACCOUNT_ALL_IPS == 20
    assert statuses.count(429) == 130
    assert statuses[:20] == [401] * 20
    for locked in (right, right_from_an_attacker):
        assert locked.status_code == 429
        assert locked["Content-Type"] == "application/problem+json"
        assert locked.json()["code"] == "too-many-login-attempts"
        assert 0 < int(locked["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
        assert "access" not in locked.json()


def test_the_traveler_still_logs_in_from_a_client_they_used_before(api_client):
    # given: Ada logged in from home last week; then the botnet comes
    UserFactory.create(email="ada@example.com")
    assert api_login(api_client, TRAVELER_HOME, PASSWORD).status_code == 200
    guess_from_30_addresses(lambda ip, pw: api_login(api_client, ip, pw))
    # when
    typo = api_login(api_client, TRAVELER_HOME, "ada-typo-password")
    at_home = api_login(api_client, TRAVELER_HOME, PASSWORD)
    elsewhere = api_login(api_client, NEW_PLACE, PASSWORD)
    # then: home is exempt from the account-wide lock (a typo there is just a 401)
    assert_problem(typo, 401, "invalid-credentials")
    assert at_home.status_code == 200
    assert set(at_home.json()) == {"access", "refresh"}
    assert_problem(elsewhere, 429, "too-many-login-attempts")


def test_a_known_client_keeps_its_own_limit(api_client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(email="ada@example.com")
    api_login(api_client, TRAVELER_HOME, PASSWORD)

    statuses = [api_login(api_client, TRAVELER_HOME, "wrong-password").status_code
                for _ in range(4)]  # fmt: skip

    assert statuses == [401, 401, 401, 429]


def test_the_lock_ends_with_its_window():
    # given: the account locked for new clients at `now`
    UserFactory.create(email="ada@example.com")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    for n, ip in enumerate(ATTACKERS[:20]):
        with pytest.raises(InvalidCredentials):
            user_authenticate(identifier="ada@example.com", password=f"x{n}", ip=ip, now=now)
    # when / then: still locked just before the window ends, open after it
    with pytest.raises(TooManyLoginAttempts) as locked:
        user_authenticate(
            identifier="ada@example.com", password=PASSWORD, ip=NEW_PLACE,
            now=now + window - timedelta(seconds=1),
        )  # fmt: skip
    assert locked.value.headers["Retry-After"] == "1"
    user = user_authenticate(
        identifier="ada@example.com", password=PASSWORD, ip=NEW_PLACE, now=now + window
    )
    assert user.email == "ada@example.com"


def test_unknown_names_lock_the_same_way(api_client):
    # The lock must not tell an attacker which names are accounts.
    statuses = guess_from_30_addresses(
        lambda ip, pw: api_login(api_client, ip, pw, email="nobody@example.com")
    )

    assert statuses.count(401) == 20
    assert statuses.count(429) == 130


def test_150_admin_guesses_from_30_addresses_then_the_right_password_is_a_429_page():
    # given
    UserFactory.create(username="boss", is_staff=True)
    guesser, owner = Client(), Client()

    def admin_login(client: Client, ip: str, password: str):
        return client.post(
            "/admin/login/?next=/admin/", {"username": "boss", "password": password},
            REMOTE_ADDR=ip,
        )  # fmt: skip

    # when
    statuses = guess_from_30_addresses(lambda ip, pw: admin_login(guesser, ip, pw))
    right = admin_login(owner, NEW_PLACE, PASSWORD)
    # then
    assert statuses.count(200) == 20  # the form again, "please enter a correct username…"
    assert statuses.count(429) == 130
    assert right.status_code == 429
    assert right["Content-Type"].startswith("text/html")
    assert 0 < int(right["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    page = right.content.decode()
    assert "Too many failed logins. Try again in" in page
    assert "TravelGuru administration" in page  # the admin's own look, not a bare error
    assert "_auth_user_id" not in owner.session


# --- the counting rules, against a model of them -----------------------------------------

PER_CLIENT, ALL_CLIENTS = 3, 4
IPS = [f"10.0.0.{n}" for n in range(5)]  # IPS[0] is where the owner logged in before


@override_settings(
    LOGIN_FAILURES_PER_ACCOUNT=PER_CLIENT,
    LOGIN_FAILURES_PER_ACCOUNT_ALL_IPS=ALL_CLIENTS,
    LOGIN_FAILURES_PER_IP=1000,
)
@given(attempts=st.lists(st.tuples(st.sampled_from(IPS), st.booleans()), max_size=25))
def test_every_attempt_is_answered_as_the_rules_say(attempts):
    """Per client: at most PER_CLIENT failures (a success clears them). Across clients: at
    most ALL_CLIENTS failures of clients the owner never logged in from; those past it are
    refused even with the right password; known clients are exempt from that limit."""
    cache.clear()
    RateCounter.objects.all().delete()
    user = UserFactory.create(email="model@example.com")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    user_authenticate(identifier=user.email, password=PASSWORD, ip=IPS[0], now=now)
    known, per_client, strangers_failed = {IPS[0]}, dict.fromkeys(IPS, 0), 0

    for ip, right in attempts:
        if per_client[ip] >= PER_CLIENT or (ip not in known and strangers_failed >= ALL_CLIENTS):
            expected = 429
        elif right:
            expected, per_client[ip] = 200, 0
            known.add(ip)
        else:
            expected = 401
            per_client[ip] += 1
            strangers_failed += ip not in known
        try:
            user_authenticate(
                identifier=user.email, password=PASSWORD if right else "wrong-one", ip=ip, now=now
            )
            answer = 200
        except InvalidCredentials:
            answer = 401
        except TooManyLoginAttempts:
            answer = 429
        assert answer == expected, (ip, right)


# --- many addresses at once ---------------------------------------------------------------


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_from_60_addresses_check_exactly_the_limit_of_passwords():
    """60 guesses at the same instant, each from its own address: the account-wide slot is
    taken before the password is checked, in one conditional UPDATE, so exactly 20 are
    checked (401) and 40 refused unchecked (429), and then the right password waits too."""
    UserFactory.create(email="crowd@example.com")
    barrier = threading.Barrier(60)
    now = datetime.now(tz=UTC)

    def guess(n: int) -> int:
        barrier.wait()
        try:
            user_authenticate(
                identifier="crowd@example.com", password=f"guess-{n}", ip=f"198.18.0.{n}", now=now
            )
            return 200
        except InvalidCredentials:
            return 401
        except TooManyLoginAttempts:
            return 429
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=60) as pool:
        answers = list(pool.map(guess, range(60)))

    assert answers.count(401) == 20
    assert answers.count(429) == 40
    with pytest.raises(TooManyLoginAttempts):
        user_authenticate(
            identifier="crowd@example.com", password=PASSWORD, ip="192.0.2.1", now=now
        )


def test_staff_who_logged_in_fully_from_the_office_still_reach_their_second_factor():
    # given: the staff member logged in (password and code) from the office before
    from tests.factories.accounts import second_factor_for, totp_now

    staff = UserFactory.create(username="boss", is_staff=True)
    device = second_factor_for(staff)
    office, guesser = Client(), Client()

    def admin_login(client: Client, ip: str, password: str):
        return client.post("/admin/login/", {"username": "boss", "password": password},
                           REMOTE_ADDR=ip)  # fmt: skip

    admin_login(office, TRAVELER_HOME, PASSWORD)
    office.post("/admin/second-factor/", {"code": totp_now(device)}, REMOTE_ADDR=TRAVELER_HOME)
    office.post("/admin/logout/")
    # when: 150 guesses from 30 addresses, then the owner from the office and from elsewhere
    guess_from_30_addresses(lambda ip, pw: admin_login(guesser, ip, pw))
    from_office = admin_login(office, TRAVELER_HOME, PASSWORD)
    from_a_hotel = admin_login(Client(), NEW_PLACE, PASSWORD)
    # then
    assert from_office.status_code == 302
    assert from_office["Location"].startswith("/admin/second-factor/")
    assert from_a_hotel.status_code == 429


def test_a_right_password_without_the_second_factor_does_not_make_a_client_known():
    # Someone holding a staff password must not exempt their own addresses from the lock.
    UserFactory.create(username="boss", is_staff=True)
    thief = Client()
    thief.post("/admin/login/", {"username": "boss", "password": PASSWORD},
               REMOTE_ADDR=ATTACKERS[0])  # fmt: skip
    thief.logout()

    statuses = [thief.post("/admin/login/", {"username": "boss", "password": f"x{n}"},
                           REMOTE_ADDR=ip).status_code
                for n, ip in enumerate(ATTACKERS[:21])]  # fmt: skip

    assert statuses == [200] * 20 + [429]
