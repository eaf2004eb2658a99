"""Register, log in, refresh, and see one's own account; failed logins are limited."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from accounts.models import User
from tests.factories.accounts import PASSWORD, UserFactory
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Ada@Example.com",
    "password": "a-long-unusual-passphrase",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


def test_register_answers_check_your_email_and_the_password_signs_in(api_client):
    response = api_client.post("/api/auth/register", GOOD, format="json")

    assert response.status_code == 202
    user = User.objects.get()
    assert (user.email, user.username, user.email_verified_at) == ("Ada@example.com", "ada", None)
    tokens = api_client.post(
        "/api/auth/token", {"email": "ada@example.com", "password": GOOD["password"]}, format="json"
    ).json()
    me = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert (me.json()["first_name"], me.json()["email_verified_at"]) == ("Ada", None)


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_passwords_are_stored_as_argon2(api_client):
    api_client.post("/api/auth/register", GOOD, format="json")

    stored = User.objects.get(email__iexact=GOOD["email"]).password
    assert identify_hasher(stored).algorithm == "argon2"
    assert GOOD["password"] not in stored


def test_production_settings_hash_with_argon2_first():
    """The test settings hash with MD5 for speed; what production runs is base's list.

    Production settings are read in a child process: importing them here would change this
    process's environment and database options (they must not leak into later tests)."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "travelguru.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "api.travelguru.example",
        "MEDIA_BUCKET": "travelguru-test-media",
        "STATIC_BUCKET": "travelguru-test-static",
    }
    code = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps([s.PASSWORD_HASHERS, [v['NAME'] for v in s.AUTH_PASSWORD_VALIDATORS]]))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
        text=True, check=True, timeout=60,
    )  # fmt: skip
    hashers, validator_names = json.loads(done.stdout.strip().splitlines()[-1])

    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    validators = [name.rsplit(".", 1)[1] for name in validator_names]
    assert validators == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_an_older_hash_becomes_argon2_at_the_next_login(api_client):
    from django.contrib.auth.hashers import make_password

    user = UserFactory.create(email="old@example.com")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    response = api_client.post(
        "/api/auth/token", {"email": "old@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),  # common
        ({"password": "12345678901"}, "password"),  # numeric
        ({"password": "ada.lovelace"}, "password"),  # like the email
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"username": "no spaces allowed"}, "username"),
        ({"email": "a" * 250 + "@x.com"}, "email"),
    ],
)
def test_register_rejects_bad_input(api_client, change, field):
    payload = {k: v for k, v in {**GOOD, **change}.items() if v is not None}

    response = api_client.post("/api/auth/register", payload, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not User.objects.exists()


def test_one_email_one_account_whatever_the_case(api_client):
    UserFactory.create(email="ada@example.com")

    response = api_client.post(
        "/api/auth/register", {**GOOD, "email": "ADA@EXAMPLE.COM"}, format="json"
    )

    assert response.status_code == 202  # the same answer as a new address's (test_registration)
    assert User.objects.count() == 1


@pytest.mark.parametrize("login", ["email", "username"])
def test_token_by_email_or_username_then_refresh(api_client, login):
    user = UserFactory.create(username="grace", email="grace@example.com")
    identifier = {"email": "GRACE@example.com", "username": "grace"}[login]

    tokens = api_client.post(
        "/api/auth/token", {login: identifier, "password": PASSWORD}, format="json"
    ).json()
    refreshed = api_client.post(
        "/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert refreshed.status_code == 200
    me = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert me.json()["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


def test_a_used_refresh_token_cannot_be_used_again(api_client, settings):
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = (
        0  # no retry window (tests/accounts/test_sessions.py)
    )
    UserFactory.create(email="ann@example.com")
    tokens = api_client.post(
        "/api/auth/token", {"email": "ann@example.com", "password": PASSWORD}, format="json"
    ).json()
    api_client.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")

    again = api_client.post(
        "/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert again.status_code == 401
    assert again["Content-Type"] == "application/problem+json"


def test_wrong_password_is_401_and_says_nothing_about_the_account(api_client):
    UserFactory.create(email="bob@example.com")

    wrong = api_client.post(
        "/api/auth/token", {"email": "bob@example.com", "password": "nope"}, format="json"
    )
    unknown = api_client.post(
        "/api/auth/token", {"email": "nobody@example.com", "password": "nope"}, format="json"
    )

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_failed_logins_are_throttled_per_account(api_client):
    UserFactory.create(email="carol@example.com")
    for _ in range(3):
        api_client.post(
            "/api/auth/token", {"email": "carol@example.com", "password": "guess"}, format="json"
        )

    blocked = api_client.post(
        "/api/auth/token", {"email": "carol@example.com", "password": PASSWORD}, format="json"
    )
    other = api_client.post(
        "/api/auth/token", {"email": "dave@example.com", "password": "guess"}, format="json"
    )

    assert blocked.status_code == 429  # even the right password waits
    assert blocked["Content-Type"] == "application/problem+json"
    assert int(blocked["Retry-After"]) > 0
    assert other.status_code == 401  # other accounts are not locked out


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=4, LOGIN_FAILURES_PER_IP=100)
def test_guessing_by_email_and_by_username_counts_for_one_account(api_client):
    UserFactory.create(email="gil@example.com", username="gil")
    for login in [{"email": "gil@example.com"}, {"username": "gil"}] * 2:
        first = api_client.post("/api/auth/token", {**login, "password": "guess"}, format="json")
        assert first.status_code == 401

    by_name = api_client.post(
        "/api/auth/token", {"username": "GIL", "password": PASSWORD}, format="json"
    )
    by_email = api_client.post(
        "/api/auth/token", {"email": "Gil@Example.com", "password": PASSWORD}, format="json"
    )

    assert by_name.status_code == 429
    assert by_email.status_code == 429
    assert by_email.json()["code"] == "too-many-login-attempts"


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_IP=4)
def test_failed_logins_are_throttled_per_ip(api_client):
    UserFactory.create(email="erin@example.com")
    for n in range(4):
        api_client.post(
            "/api/auth/token", {"email": f"user{n}@example.com", "password": "x"}, format="json"
        )

    response = api_client.post(
        "/api/auth/token", {"email": "erin@example.com", "password": PASSWORD}, format="json"
    )
    elsewhere = api_client.post(
        "/api/auth/token",
        {"email": "erin@example.com", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )

    assert_problem(response, 429, "too-many-login-attempts")
    assert elsewhere.status_code == 200


def test_a_success_resets_the_account_counter(api_client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(email="fay@example.com")
    for attempt in ["x", "x", PASSWORD, "x", "x"]:
        api_client.post(
            "/api/auth/token", {"email": "fay@example.com", "password": attempt}, format="json"
        )

    response = api_client.post(
        "/api/auth/token", {"email": "fay@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "payload",
    [{"password": "x"}, {"email": "a@b.c", "username": "a", "password": "x"}, {"email": "a@b.c"}],
)
def test_token_bad_input(api_client, payload):
    response = api_client.post("/api/auth/token", payload, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer garbage", "Token abc", "Bearer "])
def test_me_needs_a_valid_token(api_client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}

    response = api_client.get("/api/me", **kwargs)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_updates_names_only(api_client):
    user = UserFactory.create(email="gil@example.com")
    api_client.force_authenticate(user)

    response = api_client.patch(
        "/api/me", {"first_name": "Gil", "email": "evil@example.com"}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Gil", "gil@example.com")
