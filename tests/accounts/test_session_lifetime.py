"""A login lasts at most JWT_SESSION_MAX_LIFETIME, however often its tokens are refreshed: a
token taken from a device, or a session nobody ended, does not keep an account open for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from accounts.models import LoginSession
from accounts.tokens import (
    SessionAccessToken,
    SessionExpired,
    SessionRefreshToken,
    session_refresh,
    session_start,
)
from tests.accounts.test_sessions import assert_refused, login, me, refresh
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _expiry(token: str, kind: type[SessionRefreshToken] | type[SessionAccessToken]) -> datetime:
    return datetime.fromtimestamp(kind(token)["exp"], tz=UTC)  # type: ignore[arg-type]


def _login_started(ago: timedelta) -> None:
    """Move every session's login back by `ago` (as if the traveler logged in then)."""
    for session in LoginSession.objects.all():
        LoginSession.objects.filter(pk=session.pk).update(created_at=session.created_at - ago)


def test_a_login_older_than_the_maximum_is_not_refreshed_and_says_why(api_client: APIClient):
    # given: a traveler who logged in, and whose login is now past its maximum lifetime
    UserFactory.create(email="old@example.com")
    tokens = login(api_client, "old@example.com")
    _login_started(settings.JWT_SESSION_MAX_LIFETIME + timedelta(minutes=1))

    # when: the app refreshes with a token signed before the cap could apply to it
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_refused(response, "session-expired")
    assert "maximum lifetime" in response.json()["detail"]


def test_near_the_end_of_a_login_its_new_tokens_expire_with_it(api_client: APIClient):
    # given: a login with an hour left
    UserFactory.create(email="late@example.com")
    tokens = login(api_client, "late@example.com")
    _login_started(settings.JWT_SESSION_MAX_LIFETIME - timedelta(hours=1))
    session = LoginSession.objects.get()
    ends_at = session.created_at + settings.JWT_SESSION_MAX_LIFETIME

    # when
    response = refresh(api_client, tokens["refresh"])

    # then: the refresh works, and no token it hands out outlives the login
    assert response.status_code == 200
    fresh = response.json()
    assert _expiry(fresh["refresh"], SessionRefreshToken) == ends_at
    assert _expiry(fresh["access"], SessionAccessToken) <= ends_at
    assert me(api_client, fresh["access"]).status_code == 200


def test_a_young_login_keeps_the_usual_token_lifetimes(api_client: APIClient):
    UserFactory.create(email="young@example.com")
    before = timezone.now().replace(microsecond=0)

    tokens = login(api_client, "young@example.com")

    refresh_expiry = _expiry(tokens["refresh"], SessionRefreshToken)
    access_expiry = _expiry(tokens["access"], SessionAccessToken)
    assert refresh_expiry - before >= api_settings.REFRESH_TOKEN_LIFETIME
    assert access_expiry - before >= api_settings.ACCESS_TOKEN_LIFETIME
    assert refresh_expiry - before < api_settings.REFRESH_TOKEN_LIFETIME + timedelta(minutes=1)


def test_a_session_with_no_lifetime_left_gives_tokens_already_expired(settings, api_client):
    settings.JWT_SESSION_MAX_LIFETIME = timedelta(0)
    UserFactory.create(email="none@example.com")

    tokens = login(api_client, "none@example.com")

    assert_refused(me(api_client, tokens["access"]), "token-not-valid")
    assert_refused(refresh(api_client, tokens["refresh"]), "token-not-valid")


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    age_minutes=st.integers(min_value=0, max_value=60 * 24 * 60),
    max_days=st.integers(min_value=1, max_value=60),
)
def test_a_refresh_works_exactly_while_the_login_and_its_token_are_young_enough(
    settings, age_minutes: int, max_days: int
):
    """Whatever the login's age and the lifetime configured: the refresh is refused once the
    login is older than the maximum or its token expired, and what it hands out never
    expires after the login's end."""
    settings.JWT_SESSION_MAX_LIFETIME = timedelta(days=max_days)
    age, lifetime = timedelta(minutes=age_minutes), settings.JWT_SESSION_MAX_LIFETIME
    token_life = api_settings.REFRESH_TOKEN_LIFETIME
    # Whole seconds at the two bounds are decided by whose clock ticks first: not a rule.
    assume(abs(age - lifetime) > timedelta(minutes=1))
    assume(abs(age - token_life) > timedelta(minutes=1))
    now = timezone.now()
    user = UserFactory.create()
    pair = session_start(user=user, now=now - age)

    if age < min(lifetime, token_life):
        fresh = session_refresh(refresh=pair.refresh, now=now)
        ends_at = LoginSession.objects.get(user=user).created_at + lifetime
        assert _expiry(fresh.refresh, SessionRefreshToken) <= ends_at
        assert _expiry(fresh.access, SessionAccessToken) <= ends_at
    else:
        with pytest.raises((SessionExpired, InvalidToken)):
            session_refresh(refresh=pair.refresh, now=now)
