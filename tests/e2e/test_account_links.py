"""The emailed links in the browser: a forgotten password, and registering a taken address.
The links are read from the outbox rows, which are what is sent."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accounts.models import LoginSession, SessionEndReason, User
from notifications.models import Message
from tests.factories.accounts import PASSWORD, UserFactory, tokens_for
from tests.flows import emailed_link

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "lighthouse-keeper-of-eddystone"


def test_a_forgotten_password_is_reset_by_the_emailed_link(live_server, open_page, shot):
    # given Grace, signed in on another device
    grace = UserFactory.create(email="grace@example.com", first_name="Grace")
    other_device = tokens_for(grace)
    page, console = open_page()
    base = live_server.url

    # she asks for a link from the sign-in page
    page.goto(base + "/signin")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    page.get_by_label("Email").fill("grace@example.com")
    shot(page, "01-forgot")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator(".success")).to_contain_text("we sent a message to grace@example.com")

    # and opens it
    page.goto(base + "/reset-password?" + urlencode(emailed_link(grace.email, "password_reset")))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    shot(page, "02-reset")
    page.get_by_role("button", name="Save my new password").click()

    # then she is asked to sign in with it, and her other device is signed out
    expect(page).to_have_url(re.compile(r"/signin\?reset=1$"))
    expect(page.locator(".success")).to_contain_text("Your password is changed")
    grace.refresh_from_db()
    assert grace.check_password(NEW_PASSWORD)
    assert LoginSession.objects.get().end_reason == SessionEndReason.PASSWORD_RESET
    me = APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {other_device['access']}")
    assert me.status_code == 401
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header")).to_contain_text("Sign out")


def test_a_used_reset_link_says_so_and_offers_a_new_one(live_server, open_page):
    UserFactory.create(email="grace@example.com")
    page, console = open_page()
    console.allowed_statuses = {400}
    page.goto(live_server.url + "/reset-password?uid=MQ&token=made-up")

    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my new password").click()

    expect(page.locator(".error")).to_contain_text("invalid, expired or already used")
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    assert User.objects.get().check_password(PASSWORD)


@pytest.mark.parametrize(
    ("locale", "title", "button"),
    [
        ("fr-FR", "Mot de passe oublié ?", "M'envoyer un lien"),
        ("es-ES", "¿Olvidó su contraseña?", "Enviarme un enlace"),
    ],
)
def test_the_forgot_password_page_speaks_the_travelers_language(
    live_server, open_page, locale, title, button
):
    page, _ = open_page(locale=locale)
    page.goto(live_server.url + "/forgot-password")

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("textbox").fill("nobody@example.com")
    page.get_by_role("button", name=button).click()

    expect(page.locator(".success")).to_contain_text("nobody@example.com")
    assert Message.objects.get().language == locale[:2]


def test_signing_up_with_a_taken_address_looks_the_same_and_tells_its_owner(live_server, open_page):
    UserFactory.create(email="grace@example.com", first_name="Grace")
    page, console = open_page()
    console.allowed_statuses = {401}  # the sign-in after registering: not Grace's password
    page.goto(live_server.url + "/signup")

    page.get_by_label("First name").fill("Mallory")
    page.get_by_label("Last name").fill("Mallet")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill("not-graces-password-77")
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(re.compile(r"/check-email\?email=grace%40example.com"))
    expect(page.locator(".check-email")).to_contain_text("We sent a message to grace@example.com")
    expect(page.locator("header")).to_contain_text("Sign in")
    assert User.objects.count() == 1
    told = Message.objects.get(to_email="grace@example.com")
    assert (told.kind, told.user_id) == ("register_attempt", User.objects.get().pk)
