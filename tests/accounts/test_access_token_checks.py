"""An access token's signature is checked once per process; everything else about it (its
expiry, its session, its user) is checked on every request, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.state import token_backend

from accounts.models import User
from tests.accounts.test_sessions import assert_refused, login, me
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_a_logout_refuses_a_token_already_used_at_the_next_request(api_client: APIClient):
    UserFactory.create(email="twice@example.com")
    tokens = login(api_client, "twice@example.com")
    assert me(api_client, tokens["access"]).status_code == 200
    assert me(api_client, tokens["access"]).status_code == 200  # its signature checked already

    api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert_refused(me(api_client, tokens["access"]), "session-ended")


def test_a_deactivated_account_is_refused_with_a_token_already_used(api_client: APIClient):
    user = UserFactory.create(email="used@example.com")
    tokens = login(api_client, "used@example.com")
    assert me(api_client, tokens["access"]).status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_refused(me(api_client, tokens["access"]), "account-inactive")


def test_a_token_already_used_expires_as_one_never_seen(api_client: APIClient, monkeypatch):
    UserFactory.create(email="late@example.com")
    used = login(api_client, "late@example.com")["access"]
    assert me(api_client, used).status_code == 200
    never_seen = login(api_client, "late@example.com")["access"]

    # An hour later for simplejwt and PyJWT alike: both tokens are past their expiry.
    monkeypatch.setattr(token_backend, "leeway", timedelta(hours=-1))
    answers = [me(api_client, used), me(api_client, never_seen)]

    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["code"] == "token-not-valid"


def test_a_used_token_with_another_signature_is_refused(api_client: APIClient):
    UserFactory.create(email="forged@example.com")
    access = login(api_client, "forged@example.com")["access"]
    assert me(api_client, access).status_code == 200
    head, payload, signature = access.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    response = me(api_client, forged)

    assert response.status_code == 401
    assert response.json()["code"] == "token-not-valid"
