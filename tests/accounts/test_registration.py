"""Registering answers the same for a new and a taken address; the emailed link verifies it,
and only a verified traveler books."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bookings.models import Booking, Hold
from notifications.models import Message
from tests.factories.accounts import PASSWORD, UserFactory, tokens_for
from tests.factories.offers import hotel_offer
from tests.flows import assert_problem, book, emailed_link, make_hold
from tests.notifications.rendered import rendered

pytestmark = pytest.mark.django_db

NEW = {
    "email": "ada@example.com",
    "password": "a-long-unusual-passphrase",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


def register(client, **change):
    return client.post("/api/auth/register", {**NEW, **change}, format="json")


def _writes(queries) -> list[str]:
    """The tables written, in order: what a timing difference would come from."""
    return [
        q["sql"].split()[2].strip('`"')
        for q in queries
        if q["sql"].startswith(("INSERT", "UPDATE"))
    ]


def test_a_new_and_a_taken_address_get_the_same_answer_and_the_same_writes(api_client):
    # given an account with Grace's address
    UserFactory.create(email="grace@example.com", first_name="Grace")

    # when both register
    with CaptureQueriesContext(connection) as new_queries:
        new = register(api_client)
    with CaptureQueriesContext(connection) as taken_queries:
        taken = register(api_client, email="GRACE@example.com", first_name="Mallory")

    # then the answers are the same, byte for byte
    assert (new.status_code, new.content) == (taken.status_code, taken.content)
    assert new.status_code == 202
    # a new account for Ada, still unverified; Grace's is untouched
    ada = User.objects.get(email="ada@example.com")
    assert ada.email_verified_at is None
    grace = User.objects.get(email="grace@example.com")
    assert (grace.first_name, grace.check_password(PASSWORD)) == ("Grace", True)
    assert User.objects.count() == 2
    # each address got one message: Ada her link, Grace a note that someone tried
    sent = list(Message.objects.order_by("pk").values_list("to_email", "kind", "user_id"))
    assert sent == [
        ("ada@example.com", "verify_email", ada.pk),
        ("grace@example.com", "register_attempt", grace.pk),
    ]
    assert (
        "tried to create a TravelGuru account"
        in rendered(Message.objects.get(user=grace)).text_body
    )
    # both wrote the throttle counters and one outbox row; the new one its user too
    assert _writes(taken_queries.captured_queries).count("notifications_message") == 1
    assert _writes(new_queries.captured_queries).count("notifications_message") == 1


def test_the_link_verifies_once_and_then_the_traveler_books(api_client, room_type, day):
    # given Ada registered and signed in with her password, and holds a room
    register(api_client, language="fr")
    ada = User.objects.get()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(ada)['access']}")
    hold_id = make_hold(api_client, hotel_offer(room_type, day, 1))

    # when she pays before opening the link
    refused = book(api_client, hold_id)

    # then nothing is booked or charged, and she is told what to do
    assert_problem(refused, 403, "email-not-verified")
    assert not Booking.objects.exists()
    assert Hold.objects.get().status == "active"
    message = Message.objects.get(kind="verify_email")
    assert message.language == "fr"
    assert rendered(message).subject == "Confirmez votre adresse e-mail pour TravelGuru"

    # when she opens the link, twice
    link = emailed_link("ada@example.com", "verify_email")
    first = api_client.post("/api/auth/verify-email", link, format="json")
    again = api_client.post("/api/auth/verify-email", link, format="json")

    # then the first verifies, the second is refused, and she books
    assert (first.status_code, first.json()) == (200, {"email": "ada@example.com"})
    assert_problem(again, 400, "link-invalid")
    ada.refresh_from_db()
    assert ada.email_verified_at is not None
    assert book(api_client, hold_id).status_code == 201


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered
        lambda token: "not-a-token",
        lambda token: "",
    ],
    ids=["tampered", "garbage", "empty"],
)
def test_a_spoiled_link_verifies_nothing(api_client, spoil):
    register(api_client)
    token = emailed_link("ada@example.com", "verify_email")["token"]

    response = api_client.post("/api/auth/verify-email", {"token": spoil(token)}, format="json")

    assert response.status_code == 400
    assert User.objects.get().email_verified_at is None


def test_an_expired_link_verifies_nothing(api_client, settings):
    register(api_client)
    token = emailed_link("ada@example.com", "verify_email")["token"]
    later = time.time() + settings.EMAIL_VERIFICATION_TIMEOUT + 1

    with mock.patch("django.core.signing.time.time", return_value=later):
        response = api_client.post("/api/auth/verify-email", {"token": token}, format="json")

    assert_problem(response, 400, "link-invalid")
    assert User.objects.get().email_verified_at is None


def test_a_link_for_an_address_the_account_no_longer_has_verifies_nothing(api_client):
    register(api_client)
    token = emailed_link("ada@example.com", "verify_email")["token"]
    User.objects.update(email="ada@elsewhere.example")

    response = api_client.post("/api/auth/verify-email", {"token": token}, format="json")

    assert_problem(response, 400, "link-invalid")


def test_an_unverified_traveler_can_have_the_link_sent_again(api_client):
    register(api_client)
    ada = User.objects.get()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(ada)['access']}")

    response = api_client.post("/api/auth/verify-email/resend", {}, format="json")

    assert response.status_code == 202
    assert Message.objects.filter(kind="verify_email", user=ada).count() == 2
    # the newer link works (the older one too, until one of them is used)
    newest = emailed_link("ada@example.com", "verify_email")
    assert api_client.post("/api/auth/verify-email", newest, format="json").status_code == 200


def test_a_verified_traveler_asking_again_gets_no_email(client_of, traveler):
    response = client_of(traveler).post("/api/auth/verify-email/resend", {}, format="json")

    assert response.status_code == 202
    assert not Message.objects.exists()


def test_resending_needs_a_signed_in_traveler(api_client):
    response = api_client.post("/api/auth/verify-email/resend", {}, format="json")

    assert_problem(response, 401, "not-authenticated")


def test_one_address_gets_a_few_emails_an_hour_whoever_asks(api_client, settings):
    settings.EMAIL_LINKS_PER_ADDRESS = 2
    UserFactory.create(email="grace@example.com")

    answers = [
        api_client.post(
            "/api/auth/register", {**NEW, "email": "grace@example.com"}, format="json",
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]  # fmt: skip

    assert answers == [202, 202, 429]
    assert Message.objects.count() == 2


def test_a_weak_password_is_refused_for_a_taken_address_too(api_client):
    UserFactory.create(email="grace@example.com")

    response = register(api_client, email="grace@example.com", password="password1234")

    assert_problem(response, 400, "validation-error")
    assert not Message.objects.exists()


def test_factories_and_demo_travelers_are_verified(db):
    from demo.users import TRAVELER_EMAIL, ensure_demo_users

    ensure_demo_users()

    assert UserFactory.create().email_verified_at is not None
    assert User.objects.get(email=TRAVELER_EMAIL).email_verified_at is not None
