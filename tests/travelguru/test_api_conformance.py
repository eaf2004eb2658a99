"""Every operation of the OpenAPI schema answers its success with the documented shape.

tests/conftest.py checks every answer any test gets against the schema (tests/contract.py);
this test makes sure that covers all of them: one traveler's whole journey drives each
operation of /api/schema/ to its success status, with lists that are not empty (an empty
list would prove nothing about its items). A new operation fails here until the journey
drives it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingItem
from reviews.models import ManagedProperty, Review, Subject
from reviews.replies import reply_approve, reply_create
from reviews.services import review_approve
from search.services.indexing import sync_index
from tests import contract
from tests.factories.accounts import UserFactory
from tests.factories.catalog import flight_fare
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import ADULT, emailed_link

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec_conformance"


class Journey:
    """Calls the API and remembers which operation answered which status."""

    def __init__(self, client) -> None:
        self.client = client
        self.answered: dict[str, set[int]] = {}

    def __call__(self, method: str, path: str, expect: int, **kwargs):
        response = getattr(self.client, method.lower())(path, **kwargs)
        return self.record(method, path, expect, response)

    def record(self, method: str, path: str, expect: int, response):
        assert response.status_code == expect, (method, path, response.content[:500])
        found = contract.operation_of(method, path)
        assert found is not None, f"{method} {path} is not in the schema"
        self.answered.setdefault(found[0], set()).add(response.status_code)
        return response.json() if response.content else None


def _success(operation: dict) -> int:
    return min(int(code) for code in operation["responses"] if code.startswith("2"))


def _signed(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    at = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return body, f"t={at},v1={mac.hexdigest()}"


def test_every_operation_answers_its_documented_success(
    api_client, settings, monkeypatch, fare, room_type, car, day
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    leg, hotel = fare.leg, room_type.hotel
    back = flight_fare(leg.destination, leg.origin, leg.departure_at + timedelta(days=3)).leg
    sync_index(full=True)
    call = Journey(api_client)

    # Anonymous: the root, the configuration, places, searches, offers.
    call("GET", "/api/", 200)
    call("GET", "/api/config", 200)
    assert call("GET", "/api/airports", 200, data={"q": leg.origin.iata})["results"]
    assert call("GET", "/api/cities", 200, data={"q": hotel.city.name})["results"]
    flights = call(
        "GET", "/api/flights/search", 200,
        data={"origin": leg.origin.iata, "destination": leg.destination.iata,
              "date": leg.departure_at.date()},
    )  # fmt: skip
    assert flights["results"]
    trip = call(
        "GET", "/api/flights/multi-city", 200,
        data={"slices": [f"{leg.origin.iata},{leg.destination.iata},{leg.departure_at.date()}",
                         f"{back.origin.iata},{back.destination.iata},{back.departure_at.date()}"]},
    )  # fmt: skip
    assert trip["results"]
    week = call(
        "GET", "/api/flights/calendar", 200,
        data={"origin": leg.origin.iata, "destination": leg.destination.iata,
              "date": leg.departure_at.date()},
    )  # fmt: skip
    assert any(d["price"] for d in week["days"])
    stay = {"check_in": day, "check_out": day + timedelta(days=2)}
    hotels = call("GET", "/api/hotels/search", 200, data={"city": hotel.city.name, **stay})
    assert hotels["results"]
    month = call("GET", "/api/hotels/calendar", 200, data={"city": hotel.city.pk, **stay})
    assert any(d["price"] for d in month["days"])
    assert call("GET", f"/api/hotels/{hotel.pk}", 200, data=stay)["offers"]
    cars = call(
        "GET", "/api/cars/search", 200,
        data={"location": car.office.airport.iata, "pick_up": day,
              "drop_off": day + timedelta(days=2)},
    )  # fmt: skip
    assert cars["results"]
    call("GET", f"/api/offers/{flights['results'][0]['offer_id']}", 200)

    # An account, its tokens and profile; the address is verified by the emailed link.
    call(
        "POST", "/api/auth/register", 202, format="json",
        data={"email": "ada@example.com", "password": "correct horse battery staple",
              "first_name": "Ada", "last_name": "Lovelace", "username": "ada"},
    )  # fmt: skip
    tokens = call(
        "POST", "/api/auth/token", 200, format="json",
        data={"email": "ada@example.com", "password": "correct horse battery staple"},
    )  # fmt: skip
    tokens = call("POST", "/api/auth/token/refresh", 200, format="json",
                  data={"refresh": tokens["refresh"]})  # fmt: skip
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    call("GET", "/api/me", 200)
    call("PATCH", "/api/me", 200, format="json", data={"first_name": "Augusta"})
    call("POST", "/api/auth/verify-email/resend", 202, format="json", data={"language": "fr"})
    link = emailed_link("ada@example.com", "verify_email")
    call("POST", "/api/auth/verify-email", 200, format="json", data={"token": link["token"]})

    # Holds: one released, one booked (three kinds, two currencies: no single total).
    offers = [flight_offer(fare), hotel_offer(room_type, day, 2), car_offer(car, day, 2)]
    released = call("POST", "/api/holds", 201, format="json",
                    data={"items": [{"offer_id": offers[1]}]})  # fmt: skip
    call("DELETE", f"/api/holds/{released['id']}", 204)
    hold = call("POST", "/api/holds", 201, format="json",
                data={"items": [{"offer_id": o} for o in offers]})  # fmt: skip
    assert hold["total"] is None
    assert call("GET", f"/api/holds/{hold['id']}", 200)["items"]
    travelers = [ADULT | {"is_driver": True, "birth_date": "1990-12-10"}]
    booking = call(
        "POST", "/api/bookings", 201, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        data={"hold_id": hold["id"], "travelers": travelers, "payment_token": "tok_visa"},
    )  # fmt: skip
    assert call("GET", "/api/bookings", 200)["results"]
    call("GET", f"/api/bookings/{booking['reference']}", 200)

    # A trip of one hotel night, cancelled: its answer says when.
    single = call("POST", "/api/holds", 201, format="json",
                  data={"items": [{"offer_id": hotel_offer(room_type, day, 1)}]})  # fmt: skip
    cancel = call(
        "POST", "/api/bookings", 201, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        data={"hold_id": single["id"], "travelers": [ADULT], "payment_token": "tok_visa"},
    )  # fmt: skip
    cancelled = call("POST", f"/api/bookings/{cancel['reference']}/cancel", 200)
    assert cancelled["cancelled_at"] is not None

    # The first trip is over: a review of each item, approved, found helpful by another.
    now = timezone.now()
    first = Booking.objects.get(reference=booking["reference"])
    BookingItem.objects.filter(booking=first).update(
        service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
    )
    Booking.objects.filter(pk=first.pk).update(created_at=now - timedelta(days=6))
    staff = UserFactory.create(is_staff=True)
    for item in booking["items"]:
        created = call(
            "POST", "/api/reviews", 201, format="json",
            data={"booking_reference": booking["reference"], "item": item["position"],
                  "rating": 4, "title": "Good trip", "text": "Everything went as promised."},
        )  # fmt: skip
        review_approve(Review.objects.get(pk=created["id"]), staff=staff, now=now)
    # The hotel answers its review (a reply approved): the list shows it under the review.
    hotel_review = Review.objects.get(booking_item__booking=first, subject=Subject.HOTEL)
    ManagedProperty.objects.create(user=staff, subject=Subject.HOTEL, subject_id=hotel.pk)
    reply_approve(
        reply_create(manager=staff, review_id=hotel_review.pk, text="Thank you!", now=now),
        staff=staff, now=now,
    )  # fmt: skip
    voter = UserFactory()
    api_client.force_authenticate(voter)
    call("POST", f"/api/reviews/{created['id']}/helpful", 200)
    api_client.force_authenticate(None)
    for path in (f"/api/hotels/{hotel.pk}/reviews", f"/api/airlines/{leg.airline_id}/reviews",
                 f"/api/car-vendors/{car.office.vendor_id}/reviews"):  # fmt: skip
        page = call("GET", path, 200)
        assert page["results"], path
        assert page["rating"]["count"] == 1, path
        answered = {"text": "Thank you!", "created_at": now.isoformat(), "responder": hotel.name}
        reply = answered if "hotels" in path else None
        assert [r["reply"] for r in page["results"]] == [reply], path

    # Stripe tells us about a payment (not one of ours: answered, and ignored).
    body, signature = _signed(
        {"id": "evt_conformance", "object": "event", "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_conformance", "object": "payment_intent",
                             "status": "succeeded", "amount": 1, "currency": "eur",
                             "metadata": {"travelguru_key": "not-ours"}}}}
    )  # fmt: skip
    answer = api_client.generic(
        "POST", "/api/payments/stripe/webhook", body, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )  # fmt: skip
    assert call.record("POST", "/api/payments/stripe/webhook", 200, answer)["received"]

    # SES reports a bounce through SNS (signed by a test key, its certificate injected).
    from notifications import sns
    from tests.notifications import test_ses_events as ses_events

    settings.NOTIFICATIONS_SNS_TOPIC_ARNS = [ses_events.TOPIC]
    monkeypatch.setattr(sns, "https_get", lambda url: ses_events.CERT)
    answer = api_client.generic(
        "POST", "/api/notifications/ses-events", json.dumps(ses_events.signed(ses_events.BOUNCE)),
        content_type="text/plain",
    )  # fmt: skip
    assert call.record("POST", "/api/notifications/ses-events", 200, answer)["received"]

    # Another traveler takes their data home, then asks to be forgotten.
    grace = {"email": "grace@example.com", "password": "a long and private passphrase"}
    names = {"first_name": "Grace", "last_name": "Hopper", "username": "grace"}
    call("POST", "/api/auth/register", 202, format="json", data=grace | names)
    # Grace forgot her password: a reset link, a new password (her sessions end).
    call("POST", "/api/auth/password-reset", 202, format="json", data={"email": grace["email"]})
    link = emailed_link(grace["email"], "password_reset")
    grace["password"] = "another long and private passphrase"
    call("POST", "/api/auth/password-reset/confirm", 204, format="json",
         data={**link, "password": grace["password"]})  # fmt: skip
    theirs = call("POST", "/api/auth/token", 200, format="json", data=grace)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {theirs['access']}")
    assert "grace@example.com" in json.dumps(call("GET", "/api/me/export", 200))
    call("DELETE", "/api/me", 204, format="json", data={"password": grace["password"]})

    # Logging out ends the session.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    call("POST", "/api/auth/logout", 204, format="json", data={"refresh": tokens["refresh"]})

    documented = {
        f"{method.upper()} {path}": _success(operation)
        for path, methods in contract.schema()["paths"].items()
        for method, operation in methods.items()
    }
    missing = {name: code for name, code in documented.items()
               if code not in call.answered.get(name, set())}  # fmt: skip
    assert missing == {}, f"{len(documented) - len(missing)} of {len(documented)} driven"
