"""Sessions end when the traveler says so: logout, a password change, a disabled or deleted
account, or a refresh token used twice; their access tokens stop at the next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import LoginSession, SessionEndReason, User
from tests.factories.accounts import PASSWORD, UserFactory
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db


def login(client: APIClient, email: str) -> dict[str, str]:
    response = client.post("/api/auth/token", {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def refresh(client: APIClient, token: str):
    return client.post("/api/auth/token/refresh", {"refresh": token}, format="json")


def me(client: APIClient, access: str):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {access}")


def assert_refused(response, code: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "access" not in response.json()


def grace_passes(user: User) -> None:
    """Move the user's sessions' last rotation a minute back: past the grace window."""
    for session in LoginSession.objects.filter(user=user):
        LoginSession.objects.filter(pk=session.pk).update(
            rotated_at=session.rotated_at - timedelta(minutes=1)
        )


# --- logout ------------------------------------------------------------------------------


def test_logout_ends_access_at_once(api_client):
    # given
    UserFactory.create(email="lou@example.com")
    tokens = login(api_client, "lou@example.com")
    assert me(api_client, tokens["access"]).status_code == 200

    # when
    out = api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    # then: the access token is refused from the next request, not in 15 minutes
    assert out.status_code == 204
    assert_refused(me(api_client, tokens["access"]), "session-ended")
    assert_refused(refresh(api_client, tokens["refresh"]), "session-ended")
    assert LoginSession.objects.get().end_reason == SessionEndReason.LOGOUT


def test_logout_ends_that_session_only(api_client):
    UserFactory.create(email="two@example.com")
    phone, laptop = login(api_client, "two@example.com"), login(api_client, "two@example.com")

    api_client.post("/api/auth/logout", {"refresh": phone["refresh"]}, format="json")

    assert_problem(me(api_client, phone["access"]), 401, "session-ended")
    assert me(api_client, laptop["access"]).status_code == 200
    assert refresh(api_client, laptop["refresh"]).status_code == 200


def test_logout_with_a_rotated_token_ends_the_session_too(api_client):
    UserFactory.create(email="old@example.com")
    first = login(api_client, "old@example.com")
    second = refresh(api_client, first["refresh"]).json()

    out = api_client.post("/api/auth/logout", {"refresh": first["refresh"]}, format="json")

    assert out.status_code == 204
    assert_refused(me(api_client, second["access"]), "session-ended")


def test_a_second_logout_or_a_forged_token_is_400(api_client):
    UserFactory.create(email="lia@example.com")
    tokens = login(api_client, "lia@example.com")
    api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    again = api_client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    forged = api_client.post("/api/auth/logout", {"refresh": tokens["access"]}, format="json")
    junk = api_client.post("/api/auth/logout", {"refresh": "x.y.z"}, format="json")

    assert [again.status_code, forged.status_code, junk.status_code] == [400, 400, 400]
    assert again["Content-Type"] == "application/problem+json"


# --- rotation and reuse ------------------------------------------------------------------


def test_each_refresh_token_is_exchanged_once_and_the_session_goes_on(api_client):
    user = UserFactory.create(email="rae@example.com")
    tokens = login(api_client, "rae@example.com")

    for _ in range(3):
        answer = refresh(api_client, tokens["refresh"])
        assert answer.status_code == 200
        assert answer.json()["refresh"] != tokens["refresh"]
        tokens = answer.json()

    assert me(api_client, tokens["access"]).json()["id"] == user.pk
    assert LoginSession.objects.get().generation == 3


def test_a_replayed_refresh_token_ends_the_session_and_every_descendant(api_client):
    # given: a thief copied the first refresh token; the traveler went on refreshing
    user = UserFactory.create(email="vic@example.com")
    stolen = login(api_client, "vic@example.com")
    child = refresh(api_client, stolen["refresh"]).json()
    grandchild = refresh(api_client, child["refresh"]).json()
    grace_passes(user)

    # when: the thief uses the copy
    replay = refresh(api_client, stolen["refresh"])

    # then: refused, and nothing of the family works any more, the traveler's tokens included
    assert_refused(replay, "refresh-token-reused")
    for tokens in (stolen, child, grandchild):
        assert_refused(me(api_client, tokens["access"]), "session-ended")
    assert_refused(refresh(api_client, grandchild["refresh"]), "session-ended")
    assert LoginSession.objects.get().end_reason == SessionEndReason.REUSE
    # and a fresh login starts a new session
    assert me(api_client, login(api_client, "vic@example.com")["access"]).status_code == 200


def test_the_traveler_coming_back_after_the_thief_ends_the_thiefs_session(api_client):
    user = UserFactory.create(email="tom@example.com")
    mine = login(api_client, "tom@example.com")
    thief = refresh(api_client, mine["refresh"]).json()  # the thief exchanged it first
    grace_passes(user)

    assert_refused(refresh(api_client, mine["refresh"]), "refresh-token-reused")
    assert_refused(me(api_client, thief["access"]), "session-ended")
    assert_refused(refresh(api_client, thief["refresh"]), "session-ended")


def test_a_retry_within_the_grace_window_gets_the_same_tokens(api_client, settings):
    """A second tab, or a retry after a lost answer: the same pair, not a second session."""
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = 10
    UserFactory.create(email="tab@example.com")
    tokens = login(api_client, "tab@example.com")

    first, second = refresh(api_client, tokens["refresh"]), refresh(api_client, tokens["refresh"])

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert LoginSession.objects.get().generation == 1
    assert refresh(api_client, first.json()["refresh"]).status_code == 200


def test_a_token_two_rotations_old_is_reuse_even_within_the_grace_window(api_client, settings):
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = 10
    UserFactory.create(email="two-back@example.com")
    tokens = login(api_client, "two-back@example.com")
    child = refresh(api_client, tokens["refresh"]).json()
    grandchild = refresh(api_client, child["refresh"]).json()

    assert_refused(refresh(api_client, tokens["refresh"]), "refresh-token-reused")
    assert_refused(me(api_client, grandchild["access"]), "session-ended")


def test_with_no_grace_window_a_second_use_is_reuse_at_once(api_client, settings):
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = 0
    UserFactory.create(email="strict@example.com")
    tokens = login(api_client, "strict@example.com")
    child = refresh(api_client, tokens["refresh"]).json()

    assert_refused(refresh(api_client, tokens["refresh"]), "refresh-token-reused")
    assert_refused(me(api_client, child["access"]), "session-ended")


def test_a_token_from_before_sessions_existed_asks_for_a_new_login(api_client):
    """simplejwt's own tokens (what logins handed out before) belong to no session."""
    from rest_framework_simplejwt.tokens import RefreshToken

    old = RefreshToken.for_user(UserFactory.create())

    assert_refused(refresh(api_client, str(old)), "session-ended")
    assert_refused(me(api_client, str(old.access_token)), "session-ended")


def test_an_access_token_is_not_a_refresh_token(api_client):
    UserFactory.create(email="mix@example.com")
    tokens = login(api_client, "mix@example.com")

    assert_refused(refresh(api_client, tokens["access"]), "token-not-valid")
    assert_problem(me(api_client, tokens["refresh"]), 401, "token-not-valid")


# --- credentials, deactivation, deletion ---------------------------------------------------


def _set_password_in_code(user: User, admin_client) -> None:
    user.set_password("a-brand-new-passphrase-42")
    user.save()


def _set_password_in_the_admin(user: User, admin_client) -> None:
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "a-brand-new-passphrase-42", "password2": "a-brand-new-passphrase-42"},
    )
    assert response.status_code == 302, response.content[:2000]


def _disable_the_password(user: User, admin_client) -> None:
    user.set_unusable_password()
    user.save(update_fields=["password"])


@pytest.mark.parametrize(
    "change_password",
    [_set_password_in_code, _set_password_in_the_admin, _disable_the_password],
    ids=["set_password", "admin-form", "unusable"],
)
def test_a_password_change_ends_every_session(api_client, admin_client, change_password):
    # given: the traveler is logged in on two devices
    user = UserFactory.create(email="pat@example.com")
    phone, laptop = login(api_client, "pat@example.com"), login(api_client, "pat@example.com")

    # when
    change_password(User.objects.get(pk=user.pk), admin_client)

    # then
    for tokens in (phone, laptop):
        assert_refused(me(api_client, tokens["access"]), "credentials-changed")
        assert_refused(refresh(api_client, tokens["refresh"]), "credentials-changed")


def test_a_login_after_the_password_change_works(api_client):
    user = UserFactory.create(email="new@example.com")
    login(api_client, "new@example.com")
    user.set_password("a-brand-new-passphrase-42")
    user.save()

    response = api_client.post(
        "/api/auth/token",
        {"email": "new@example.com", "password": "a-brand-new-passphrase-42"},
        format="json",
    )

    assert me(api_client, response.json()["access"]).status_code == 200


def test_a_deactivated_account_is_refused_at_once(api_client, admin_client):
    user = UserFactory.create(email="gone@example.com")
    tokens = login(api_client, "gone@example.com")

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_refused(me(api_client, tokens["access"]), "account-inactive")
    assert_refused(refresh(api_client, tokens["refresh"]), "account-inactive")


def test_a_deleted_account_is_refused_not_an_error(api_client):
    user = UserFactory.create(email="deleted@example.com")
    tokens = login(api_client, "deleted@example.com")

    user.delete()

    assert_refused(me(api_client, tokens["access"]), "session-ended")
    assert_refused(refresh(api_client, tokens["refresh"]), "session-ended")


# --- cost ------------------------------------------------------------------------------------


def test_the_session_check_costs_no_query_of_its_own(api_client):
    """Authentication read the user with one SELECT; it still does, joined with the session."""
    UserFactory.create(email="cheap@example.com")
    tokens = login(api_client, "cheap@example.com")

    with CaptureQueriesContext(connection) as queries:
        response = me(api_client, tokens["access"])

    assert response.status_code == 200
    assert len(queries) == 1
    assert "JOIN" in queries[0]["sql"]


# --- the admin ---------------------------------------------------------------------------


def test_staff_see_sessions_without_their_credentials_stamp(admin_client, api_client):
    UserFactory.create(email="seen@example.com")
    login(api_client, "seen@example.com")
    session = LoginSession.objects.get()

    listing = admin_client.get("/admin/accounts/loginsession/")
    detail = admin_client.get(f"/admin/accounts/loginsession/{session.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert b"seen@example.com" in listing.content
    assert session.credentials.encode() not in detail.content
    assert admin_client.get("/admin/accounts/loginsession/add/").status_code == 403


def test_staff_can_end_a_session_and_its_access_stops(admin_client, api_client):
    UserFactory.create(email="lost-phone@example.com")
    phone, laptop = (
        login(api_client, "lost-phone@example.com"),
        login(api_client, "lost-phone@example.com"),
    )
    first = LoginSession.objects.order_by("pk").first()

    response = admin_client.post(
        "/admin/accounts/loginsession/",
        {"action": "end_sessions", "_selected_action": [first.pk]},
    )

    assert response.status_code == 302
    assert_refused(me(api_client, phone["access"]), "session-ended")
    assert me(api_client, laptop["access"]).status_code == 200
    first.refresh_from_db()
    assert first.end_reason == SessionEndReason.STAFF
