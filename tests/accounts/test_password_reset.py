"""A password reset answers the same for every address; its link works once, for an hour,
and ends every session of the account."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import LoginSession, SessionEndReason, User
from accounts.registration import password_reset_confirm
from notifications.models import Message
from tests.factories.accounts import PASSWORD, UserFactory, log_in_verified, tokens_for
from tests.flows import assert_problem, emailed_link
from tests.notifications.rendered import as_sent, rendered

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


def ask(client, email: str, **extra):
    return client.post("/api/auth/password-reset", {"email": email}, format="json", **extra)


def confirm(client, link: dict, password: str = NEW_PASSWORD):
    return client.post(
        "/api/auth/password-reset/confirm", {**link, "password": password}, format="json"
    )


def _statements(queries) -> list[str]:
    """Each statement's verb and table: the work an answer's time comes from."""
    return [" ".join(q["sql"].split()[:3]) for q in queries if not q["sql"].startswith("SAVEPOINT")]


def test_an_address_with_and_without_an_account_get_the_same_answer_and_work(api_client):
    # given Grace has an account; nobody has nobody@example.com
    grace = UserFactory.create(email="grace@example.com", first_name="Grace")

    # when a reset is asked for each (from two clients, each one's first request)
    with CaptureQueriesContext(connection) as hit_queries:
        hit = ask(api_client, "grace@example.com", REMOTE_ADDR="192.0.2.1")
    with CaptureQueriesContext(connection) as miss_queries:
        miss = ask(api_client, "nobody@example.com", REMOTE_ADDR="192.0.2.2")

    # then the answers are identical, and so is the work: the same statements on the same
    # tables (a row in the outbox either way, not only when the address has an account)
    assert (hit.status_code, hit.content) == (miss.status_code, miss.content)
    assert hit.status_code == 202
    hit_work, miss_work = (_statements(q.captured_queries) for q in (hit_queries, miss_queries))
    assert [s.split()[0] for s in hit_work] == [s.split()[0] for s in miss_work]
    assert sum("notifications_message" in s for s in hit_work) == 1
    assert sum("notifications_message" in s for s in miss_work) == 1
    # Grace got her link; the other address learned it has no account
    to_grace = Message.objects.get(to_email="grace@example.com")
    assert (to_grace.kind, to_grace.user_id) == ("password_reset", grace.pk)
    assert "/reset-password?uid=" in as_sent(to_grace).text_body
    to_nobody = Message.objects.get(to_email="nobody@example.com")
    assert (to_nobody.kind, to_nobody.user_id) == ("password_reset", None)
    assert "no account can sign in with it" in rendered(to_nobody).text_body
    assert "/reset-password" not in rendered(to_nobody).text_body


def test_the_link_sets_the_password_once_and_ends_every_session(api_client, client):
    # given Grace is signed in on two devices through the API and in the admin
    grace = UserFactory.create(email="grace@example.com", is_staff=True, is_superuser=True)
    phone, laptop = tokens_for(grace), tokens_for(grace)
    log_in_verified(client, grace)
    assert client.get("/admin/").status_code == 200
    ask(api_client, "grace@example.com")
    link = emailed_link("grace@example.com", "password_reset")

    # when she uses the link, then someone uses it again
    done = confirm(api_client, link)
    again = confirm(api_client, link, password="yet-another-passphrase-9")

    # then the password is the new one, once
    assert done.status_code == 204
    assert_problem(again, 400, "link-invalid")
    grace.refresh_from_db()
    assert grace.check_password(NEW_PASSWORD)
    # every API session ended with its reason; their tokens no longer work
    assert set(LoginSession.objects.values_list("end_reason", flat=True)) == {
        SessionEndReason.PASSWORD_RESET
    }
    for tokens in (phone, laptop):
        me = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert me.status_code == 401
        refreshed = api_client.post(
            "/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
        )
        assert refreshed.status_code == 401
    # and the admin's session too
    assert client.get("/admin/").status_code == 302
    # she signs in with the new password
    signed_in = api_client.post(
        "/api/auth/token", {"email": "grace@example.com", "password": NEW_PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200


def test_the_link_expires_after_an_hour(api_client, settings):
    UserFactory.create(email="grace@example.com")
    ask(api_client, "grace@example.com")
    link = emailed_link("grace@example.com", "password_reset")
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)  # noqa: DTZ005 - Django's generator counts in naive local time

    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = confirm(api_client, link)

    assert_problem(response, 400, "link-invalid")
    assert User.objects.get().check_password(PASSWORD)
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_a_weak_new_password_is_refused_and_the_link_still_works(api_client):
    UserFactory.create(email="grace@example.com")
    ask(api_client, "grace@example.com")
    link = emailed_link("grace@example.com", "password_reset")

    weak = confirm(api_client, link, password="password1234")

    assert_problem(weak, 400, "validation-error")
    assert User.objects.get().check_password(PASSWORD)
    assert confirm(api_client, link).status_code == 204


def test_resetting_by_the_mailbox_verifies_the_address(api_client):
    UserFactory.create(email="grace@example.com", email_verified_at=None)
    ask(api_client, "grace@example.com")

    confirm(api_client, emailed_link("grace@example.com", "password_reset"))

    assert User.objects.get().email_verified_at is not None


@pytest.mark.parametrize(
    "link",
    [
        {"uid": "MQ", "token": "abc-def"},
        {"uid": "!!!", "token": "x"},
        {"uid": "", "token": ""},
        {"uid": "OTk5OTk5", "token": "made-up-token"},
    ],
    ids=["wrong-token", "bad-uid", "empty", "no-such-user"],
)
def test_a_made_up_link_changes_nothing(api_client, link):
    UserFactory.create(email="grace@example.com")

    response = confirm(api_client, link)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert User.objects.get().check_password(PASSWORD)


def test_disabled_accounts_and_accounts_without_a_password_get_no_link(api_client):
    UserFactory.create(email="off@example.com", is_active=False)
    no_password = UserFactory.create(email="staff-made@example.com")
    no_password.set_unusable_password()
    no_password.save()

    ask(api_client, "off@example.com")
    ask(api_client, "staff-made@example.com")

    assert set(Message.objects.values_list("user_id", flat=True)) == {None}


def test_resets_are_throttled_per_ip_and_per_address(api_client, settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    settings.EMAIL_LINKS_PER_ADDRESS = 2
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "email_links": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)

    same_address = [
        ask(api_client, "x@example.com", REMOTE_ADDR=f"203.0.113.{n}") for n in range(3)
    ]
    same_ip = [ask(api_client, f"y{n}@example.com", REMOTE_ADDR="203.0.113.99") for n in range(4)]

    assert [r.status_code for r in same_address] == [202, 202, 429]
    assert_problem(same_address[2], 429, "too-many-emails")
    assert 0 < int(same_address[2]["Retry-After"]) <= 3600
    assert [r.status_code for r in same_ip] == [202, 202, 202, 429]
    assert Message.objects.count() == 5


def test_the_user_row_is_locked_before_the_password_is_written(db):
    """Two uses of one link at once: the second waits for the first's lock, then sees the
    new password hash its token no longer matches."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    grace = UserFactory.create(email="grace@example.com")
    uid = urlsafe_base64_encode(force_bytes(grace.pk))
    token = default_token_generator.make_token(grace)

    with CaptureQueriesContext(connection) as queries:
        password_reset_confirm(uid=uid, token=token, password=NEW_PASSWORD, now=timezone.now())

    sql = [q["sql"] for q in queries.captured_queries]
    read = next(i for i, s in enumerate(sql) if s.startswith("SELECT") and "accounts_user" in s)
    write = next(i for i, s in enumerate(sql) if s.startswith("UPDATE") and "accounts_user" in s)
    assert read < write
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in sql[read]
