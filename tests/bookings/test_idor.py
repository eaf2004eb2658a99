"""Invariant 4 at every endpoint: another traveler's hold, booking, review or key is
'not found' — the same answer as for an id that does not exist — and nothing changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingItem, BookingStatus, Hold, HoldStatus, SandboxCharge
from catalog.models import RoomNight
from reviews.models import Review
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

ADULT = {"first_name": "Ada", "last_name": "Lovelace"}
MISSING_HOLD = "00000000-0000-4000-8000-000000000000"
MISSING_REF = "TG-ZZZZZZ"


@pytest.fixture
def alice(client_of, room_type, day):
    """Alice has an active hold and a confirmed booking (its trip is over)."""
    user = UserFactory.create(email="alice@example.com")
    client = client_of(user)

    def hold(offset: int) -> str:
        response = client.post(
            "/api/holds",
            {"items": [{"offer_id": hotel_offer(room_type, day + timedelta(days=offset), 1)}]},
            format="json",
        )
        assert response.status_code == 201
        return response.json()["id"]

    booked_hold, open_hold = hold(0), hold(1)
    reference = client.post(
        "/api/bookings",
        {"hold_id": booked_hold, "travelers": [ADULT], "payment_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="alice-key",
    ).json()["reference"]
    BookingItem.objects.update(
        service_start=timezone.now() - timedelta(days=3),
        service_end=timezone.now() - timedelta(days=1),
    )
    # Booked before it began (a review of an item booked once it was over is refused).
    Booking.objects.update(created_at=timezone.now() - timedelta(days=4))
    return {"user": user, "hold": open_hold, "reference": reference}


@pytest.fixture
def mallory(client_of):
    return client_of(UserFactory.create(email="mallory@example.com"))


def same_as_missing(theirs, missing) -> None:
    """Someone else's thing answers exactly like a thing that does not exist."""
    assert theirs.status_code == missing.status_code == 404
    assert theirs["Content-Type"] == "application/problem+json"
    assert theirs.json()["code"] == missing.json()["code"]
    assert theirs.json()["title"] == missing.json()["title"]


def snapshot() -> tuple:
    return (
        list(Hold.objects.order_by("pk").values_list("pk", "status")),
        list(Booking.objects.values_list("reference", "status")),
        list(RoomNight.objects.order_by("pk").values_list("rooms_available", flat=True)),
        list(SandboxCharge.objects.values_list("amount", "refunded_amount")),
        Review.objects.count(),
    )


def test_reading_another_travelers_hold(alice, mallory):
    before = snapshot()
    same_as_missing(
        mallory.get(f"/api/holds/{alice['hold']}"), mallory.get(f"/api/holds/{MISSING_HOLD}")
    )
    assert snapshot() == before


def test_releasing_another_travelers_hold(alice, mallory):
    before = snapshot()
    same_as_missing(
        mallory.delete(f"/api/holds/{alice['hold']}"),
        mallory.delete(f"/api/holds/{MISSING_HOLD}"),
    )
    assert snapshot() == before
    assert Hold.objects.get(pk=alice["hold"]).status == HoldStatus.ACTIVE


def test_paying_for_another_travelers_hold(alice, mallory):
    before = snapshot()

    def pay(hold_id: str):
        return mallory.post(
            "/api/bookings",
            {"hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    same_as_missing(pay(alice["hold"]), pay(MISSING_HOLD))
    assert snapshot() == before  # no charge, no booking, the hold untouched


def test_reading_another_travelers_booking(alice, mallory):
    before = snapshot()
    same_as_missing(
        mallory.get(f"/api/bookings/{alice['reference']}"),
        mallory.get(f"/api/bookings/{MISSING_REF}"),
    )
    same_as_missing(
        mallory.get(f"/api/bookings/{alice['reference'].lower()}"),
        mallory.get(f"/api/bookings/{MISSING_REF}"),
    )
    assert snapshot() == before


def test_listing_shows_only_ones_own_bookings(alice, mallory, client_of):
    assert mallory.get("/api/bookings").json() == {
        "count": 0, "next": None, "previous": None, "results": [],
    }  # fmt: skip
    own = client_of(alice["user"]).get("/api/bookings").json()
    assert [b["reference"] for b in own["results"]] == [alice["reference"]]


def test_cancelling_another_travelers_booking(alice, mallory):
    before = snapshot()
    same_as_missing(
        mallory.post(f"/api/bookings/{alice['reference']}/cancel"),
        mallory.post(f"/api/bookings/{MISSING_REF}/cancel"),
    )
    assert snapshot() == before
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_reviewing_another_travelers_booking(alice, mallory):
    before = snapshot()

    def review(reference: str):
        return mallory.post(
            "/api/reviews",
            {"booking_reference": reference, "rating": 1, "title": "Awful place",
             "text": "I was never there but I want to hurt their rating."},
            format="json",
        )  # fmt: skip

    same_as_missing(review(alice["reference"]), review(MISSING_REF))
    assert snapshot() == before


def test_voting_on_another_travelers_pending_review(alice, mallory, client_of):
    created = client_of(alice["user"]).post(
        "/api/reviews",
        {"booking_reference": alice["reference"], "rating": 5, "title": "Great",
         "text": "A lovely stay, quiet room and kind staff."},
        format="json",
    ).json()  # fmt: skip

    same_as_missing(
        mallory.post(f"/api/reviews/{created['id']}/helpful"),
        mallory.post("/api/reviews/999999/helpful"),
    )
    assert Review.objects.get().helpful_count == 0


def test_another_travelers_idempotency_key_replays_nothing_of_theirs(alice, mallory):
    response = mallory.post(
        "/api/bookings",
        {"hold_id": alice["hold"], "travelers": [ADULT], "payment_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="alice-key",
    )

    assert_problem(response, 404, "hold-not-found")  # processed afresh as Mallory's
    assert alice["reference"] not in response.content.decode()
    assert "Idempotent-Replayed" not in response


def test_me_is_always_the_caller(alice, mallory):
    assert mallory.get("/api/me").json()["email"] == "mallory@example.com"
    mallory.patch("/api/me", {"first_name": "Changed"}, format="json")
    alice["user"].refresh_from_db()
    assert alice["user"].first_name != "Changed"
