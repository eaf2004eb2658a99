"""Logins: short tokens, rotation, logout that really ends the session, lockouts that stop
a guesser without locking the real traveler out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD, ip="203.0.113.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def test_access_tokens_live_fifteen_minutes_and_refresh_tokens_rotate():
    jwt = settings.SIMPLE_JWT

    assert jwt["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert jwt["REFRESH_TOKEN_LIFETIME"] == timedelta(days=14)
    assert jwt["ROTATE_REFRESH_TOKENS"] is True
    assert jwt["BLACKLIST_AFTER_ROTATION"] is True


def test_logout_blacklists_the_refresh_token(api_client):
    UserFactory(email="lou@example.com")
    tokens = login(api_client, "lou@example.com").json()

    out = api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    refresh = api_client.post(
        "/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert out.status_code == 204
    assert BlacklistedToken.objects.count() == 1
    assert refresh.status_code == 401
    assert refresh["Content-Type"] == "application/problem+json"
    assert "access" not in refresh.json()


def test_a_second_logout_or_a_forged_token_is_400(api_client):
    UserFactory(email="lia@example.com")
    tokens = login(api_client, "lia@example.com").json()
    api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    again = api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    forged = api_client.post("/api/auth/logout", {"refresh": tokens["access"]}, format="json")
    junk = api_client.post("/api/auth/logout", {"refresh": "x.y.z"}, format="json")

    assert [again.status_code, forged.status_code, junk.status_code] == [400, 400, 400]
    assert again["Content-Type"] == "application/problem+json"
    assert BlacklistedToken.objects.count() == 1


def test_the_rotated_out_refresh_token_is_blacklisted(api_client):
    UserFactory(email="rae@example.com")
    tokens = login(api_client, "rae@example.com").json()

    rotated = api_client.post(
        "/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    ).json()

    assert rotated["refresh"] != tokens["refresh"]
    assert BlacklistedToken.objects.get().token.token == tokens["refresh"]


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_a_guesser_locks_only_their_own_ip_out_of_the_account(api_client):
    UserFactory(email="vic@example.com")
    for _ in range(3):
        assert login(api_client, "vic@example.com", "guess", ip="198.51.100.66").status_code == 401

    guesser = login(api_client, "vic@example.com", PASSWORD, ip="198.51.100.66")
    owner = login(api_client, "vic@example.com", PASSWORD, ip="203.0.113.9")

    assert guesser.status_code == 429
    assert guesser.json()["code"] == "too-many-login-attempts"
    assert 0 < int(guesser["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert owner.status_code == 200
    assert "access" in owner.json()


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_IP=5)
def test_spraying_many_accounts_from_one_ip_is_stopped_there_only(api_client):
    UserFactory(email="wes@example.com")
    for n in range(5):
        login(api_client, f"spray{n}@example.com", "guess", ip="198.51.100.7")

    sprayer = login(api_client, "wes@example.com", PASSWORD, ip="198.51.100.7")
    owner = login(api_client, "wes@example.com", PASSWORD, ip="203.0.113.20")

    assert sprayer.status_code == 429
    assert owner.status_code == 200
