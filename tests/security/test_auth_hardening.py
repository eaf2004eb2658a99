"""Logins: short tokens, rotation, logout that really ends the session, lockouts that stop
a guesser without locking the real traveler out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from tests.factories.accounts import PASSWORD, UserFactory
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD, ip="203.0.113.1"):
    return client.post(
        "/api/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def test_access_tokens_live_fifteen_minutes_and_end_with_their_session():
    """Rotation, reuse detection and logout are tested in tests/accounts/test_sessions.py."""
    jwt = settings.SIMPLE_JWT

    assert jwt["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert jwt["REFRESH_TOKEN_LIFETIME"] == timedelta(days=14)
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "accounts.authentication.SessionJWTAuthentication"
    ]
    assert 0 <= settings.JWT_REFRESH_REUSE_GRACE_SECONDS <= 30


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_a_guesser_locks_only_their_own_ip_out_of_the_account(api_client):
    UserFactory.create(email="vic@example.com")
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
    UserFactory.create(email="wes@example.com")
    for n in range(5):
        login(api_client, f"spray{n}@example.com", "guess", ip="198.51.100.7")

    sprayer = login(api_client, "wes@example.com", PASSWORD, ip="198.51.100.7")
    owner = login(api_client, "wes@example.com", PASSWORD, ip="203.0.113.20")

    assert_problem(sprayer, 429, "too-many-login-attempts")
    assert owner.status_code == 200
