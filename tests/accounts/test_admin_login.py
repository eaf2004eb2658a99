"""The admin login page is under the same failed-login limits as the API."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/login/?next=/admin/"


def attempt(client: Client, username: str, password: str, ip: str):
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_guessing_a_staff_password_is_locked_out_for_that_ip_only():
    UserFactory.create(username="boss", is_staff=True)
    guesser, owner = Client(), Client()
    tries = [attempt(guesser, "boss", f"guess{n}", "198.51.100.5").status_code for n in range(3)]

    locked = attempt(guesser, "boss", PASSWORD, "198.51.100.5")
    elsewhere = attempt(owner, "boss", PASSWORD, "203.0.113.5")

    assert tries == [200, 200, 200]  # the form again, with its error
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    assert "_auth_user_id" not in guesser.session
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/admin/second-factor/?next=%2Fadmin%2F"


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_a_successful_admin_login_clears_the_count():
    UserFactory.create(username="chief", is_staff=True)
    client = Client()
    for password in ["x", "x", PASSWORD, "x", "x"]:
        attempt(client, "chief", password, "198.51.100.6")
        client.logout()

    assert attempt(client, "chief", PASSWORD, "198.51.100.6").status_code == 302


def test_the_login_page_still_shows():
    response = Client().get(URL)

    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_staff_log_in_with_their_email_in_any_case():
    # given a staff member whose username is not their email
    UserFactory(username="boss", email="Boss@Example.com", is_staff=True)
    client = Client()

    # when they type their email as the login page asks
    page = client.get(URL)
    response = attempt(client, "boss@example.COM", PASSWORD, "198.51.100.7")

    # then the password step passes and the second factor comes next (no page yet)
    assert b">Email:</label>" in page.content
    assert response.status_code == 302
    assert response["Location"] == "/admin/second-factor/?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_FAILURES_PER_IP=100)
def test_wrong_passwords_by_email_and_by_username_count_for_one_account():
    UserFactory(username="boss", email="boss@example.com", is_staff=True)
    client = Client()

    by_email = attempt(client, "boss@example.com", "not-the-password", "198.51.100.8")
    by_username = attempt(client, "boss", "not-the-password-either", "198.51.100.8")
    locked = attempt(client, "BOSS@example.com", PASSWORD, "198.51.100.8")

    assert by_email.status_code == by_username.status_code == 200
    assert b"email and password of a staff account" in by_email.content
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
