"""A traveler asks for their data (GET /api/me/export) and for its erasure (DELETE /api/me,
with their password), from their own account."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEntry
from bookings.models import Traveler
from tests.factories.accounts import PASSWORD, UserFactory, tokens_for
from tests.factories.offers import hotel_offer
from tests.flows import book, make_hold

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def tess():
    person = UserFactory.create(username="tessa", email="tessa.m@example.org", first_name="Tessa",
                         last_name="Montague")  # fmt: skip
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(person)['access']}")
    return person, api


def test_the_export_holds_the_account_bookings_and_travelers_and_no_secret(tess, room_type, day):
    person, api = tess
    traveler = {"first_name": "Tessa", "last_name": "Montague", "type": "adult"}
    trip = book(api, make_hold(api, hotel_offer(room_type, day, 1)), travelers=[traveler]).json()

    response = api.get("/api/me/export")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="travelguru-personal-data.json"'
    )
    data = response.json()
    assert data["account"]["email"] == "tessa.m@example.org"
    assert [b["reference"] for b in data["bookings"]] == [trip["reference"]]
    assert data["bookings"][0]["travelers"][0]["last_name"] == "Montague"
    assert data["bookings"][0]["payments"][0]["amount"] == {"amount": "100.00", "currency": "EUR"}
    assert len(data["login_sessions"]) == 1
    assert person.password not in response.content.decode()
    assert "credentials" not in response.content.decode()
    assert AuditEntry.objects.get().action == "user.export"


def test_erasure_needs_the_password_and_a_wrong_one_changes_nothing(tess):
    person, api = tess

    wrong = api.delete("/api/me", {"password": "not-my-password-at-all"}, format="json")
    missing = api.delete("/api/me", {}, format="json")

    assert (wrong.status_code, wrong["Content-Type"]) == (403, PROBLEM)
    assert wrong.json()["code"] == "password-confirmation-failed"
    assert (missing.status_code, missing["Content-Type"]) == (400, PROBLEM)
    person.refresh_from_db()
    assert (person.email, person.erased_at) == ("tessa.m@example.org", None)
    assert api.get("/api/me").status_code == 200


def test_erasure_with_the_password_ends_every_session_and_forgets_the_name(tess, room_type, day):
    person, api = tess
    other_device = APIClient()
    other_device.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(person)['access']}")
    traveler = {"first_name": "Tessa", "last_name": "Montague", "type": "adult"}
    book(api, make_hold(api, hotel_offer(room_type, day, 1)), travelers=[traveler])
    api.post("/api/bookings/" + Traveler.objects.get().booking.reference + "/cancel")

    response = api.delete("/api/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    assert api.get("/api/me").status_code == 401
    assert other_device.get("/api/me").status_code == 401
    person = User.objects.get(pk=person.pk)
    assert (person.email, person.first_name, person.is_active) == (
        f"erased-{person.pk}@erased.invalid",
        "",
        False,
    )
    assert list(Traveler.objects.values_list("last_name", flat=True)) == ["(erased)"]
    assert AuditEntry.objects.get(action="user.erase").actor == person


def test_a_trip_still_to_come_blocks_the_erasure_with_a_problem(tess, room_type, day):
    person, api = tess
    trip = book(api, make_hold(api, hotel_offer(room_type, day, 1))).json()

    response = api.delete("/api/me", {"password": PASSWORD}, format="json")

    assert (response.status_code, response["Content-Type"]) == (409, PROBLEM)
    assert response.json()["code"] == "erasure-blocked"
    assert trip["reference"] in response.json()["detail"]
    assert api.get("/api/me").json()["email"] == "tessa.m@example.org"


def test_exports_and_erasure_attempts_are_throttled(tess):
    _, api = tess

    answers = [api.get("/api/me/export").status_code for _ in range(10)]
    eleventh = api.get("/api/me/export")
    guess = api.delete("/api/me", {"password": "a-guess-of-the-password"}, format="json")

    assert answers == [200] * 10
    assert (eleventh.status_code, eleventh["Content-Type"]) == (429, PROBLEM)
    assert "Retry-After" in eleventh
    assert guess.status_code == 429  # the same budget: a password cannot be tried at speed


def test_both_requests_are_in_the_openapi_schema():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    export = schema["paths"]["/api/me/export"]["get"]
    erase = schema["paths"]["/api/me"]["delete"]

    assert export["operationId"] == "me_export"
    assert erase["operationId"] == "me_erase"
    assert {"204", "403", "409", "429"} <= set(erase["responses"])
    body = erase["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][body.split("/")[-1]]["required"] == ["password"]


def test_the_export_holds_the_emails_sent_to_the_traveler_with_no_usable_link(tess, room_type, day):
    from django.utils import timezone

    from accounts.registration import password_reset_request
    from notifications.models import Message
    from notifications.services import ONE_TIME_LINK_SHOWN

    person, api = tess
    trip = book(api, make_hold(api, hotel_offer(room_type, day, 1))).json()
    password_reset_request(email=person.email, language="en", now=timezone.now())
    reset = Message.objects.get(kind="password_reset")

    data = api.get("/api/me/export").json()

    kinds = [m["kind"] for m in data["messages"]]
    assert "booking_confirmed" in kinds
    assert kinds[-1] == "password_reset"
    confirmed = data["messages"][kinds.index("booking_confirmed")]
    assert confirmed["to_email"] == "tessa.m@example.org"
    assert trip["reference"] in confirmed["subject"]
    assert f"/trips/{trip['reference']}" in confirmed["text_body"]
    assert [name.endswith(".ics") for name in confirmed["attachments"]] == [True]
    assert ONE_TIME_LINK_SHOWN in data["messages"][-1]["text_body"]
    assert reset.secrets["reset_url"] not in str(data)
