"""Who may do what to whose objects: every object-level endpoint tried as the owner,
another traveler, an anonymous visitor and a staff member, against one table.

Staff have no extra power over the traveler API (the admin is their door); another
traveler's objects are 404, never 403, so their existence is not confirmed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingItem, BookingStatus, Hold, HoldStatus, Payment
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from bookings.services.reviews import booking_item_review
from reviews.models import Review
from reviews.services import review_approve
from search.offers import offer_decode
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.offers import car_offer, hotel_offer

pytestmark = pytest.mark.django_db

OWNER, OTHER, ANON, STAFF = "owner", "other traveler", "anonymous", "staff"
STAFF_PASSWORD_ONLY = "staff without a second factor"
ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}


@dataclass
class World:
    users: dict[str, Any]
    hold: Hold  # active, not booked
    booking: Booking  # confirmed, upcoming
    done: Booking  # completed stay, not yet reviewed
    review: Review  # approved, written by the owner


@pytest.fixture
def world(room_type, car, day) -> World:
    now = timezone.now()
    owner = UserFactory.create()
    users = {OWNER: owner, OTHER: UserFactory.create(), ANON: None,
             STAFF: UserFactory.create(is_staff=True, is_superuser=True),
             STAFF_PASSWORD_ONLY: UserFactory.create(is_staff=True, is_superuser=True)}  # fmt: skip

    def book(offer_id: str, *, completed: bool, travelers: list[TravelerIn]) -> Booking:
        hold = hold_create(user=owner, offers=[offer_decode(offer_id)], now=now)
        booking = booking_create(user=owner, hold_id=hold.pk, travelers=travelers,
                                 payment_token="tok_visa", now=now)  # fmt: skip
        if completed:
            BookingItem.objects.filter(booking=booking).update(
                service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
            )
            # Booked before it began (a review of an item booked once over is refused).
            Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=6))
        return booking

    adult = [TravelerIn(type="adult", first_name="Ada", last_name="L")]
    driver = [TravelerIn(type="adult", first_name="Ada", last_name="L",
                         birth_date=day.replace(year=1990), is_driver=True)]  # fmt: skip
    booking = book(hotel_offer(room_type, day, 1), completed=False, travelers=adult)
    done = book(hotel_offer(room_type, day, 1), completed=True, travelers=adult)
    car_trip = book(car_offer(car, day, 1), completed=True, travelers=driver)
    review = booking_item_review(
        user=owner, booking_reference=car_trip.reference, position=None, rating=5,
        sub_scores={}, title="Great car", text="Clean, quick pick-up, no upsell.", now=now,
    )  # fmt: skip
    review_approve(review, staff=users[STAFF], now=now)
    hold = hold_create(user=owner, offers=[offer_decode(hotel_offer(room_type, day, 1))], now=now)
    return World(users=users, hold=hold, booking=booking, done=done, review=review)


def api_as(world: World, role: str) -> APIClient:
    client = APIClient()
    if world.users[role] is not None:
        client.force_authenticate(world.users[role])
    return client


# (name, method, url, body, {role: expected status})
CASES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("hold read", "get", "/api/holds/{hold}", None,
     {OWNER: 200, OTHER: 404, ANON: 401, STAFF: 404}),
    ("hold release", "delete", "/api/holds/{hold}", None,
     {OWNER: 204, OTHER: 404, ANON: 401, STAFF: 404}),
    ("book a hold", "post", "/api/bookings",
     {"hold_id": "{hold}", "travelers": [ADULT], "payment_token": "tok_visa"},
     {OWNER: 201, OTHER: 404, ANON: 401, STAFF: 404}),
    ("booking list", "get", "/api/bookings", None,
     {OWNER: 200, OTHER: 200, ANON: 401, STAFF: 200}),
    ("booking read", "get", "/api/bookings/{booking}", None,
     {OWNER: 200, OTHER: 404, ANON: 401, STAFF: 404}),
    ("booking cancel", "post", "/api/bookings/{booking}/cancel", None,
     {OWNER: 200, OTHER: 404, ANON: 401, STAFF: 404}),
    ("review a stay", "post", "/api/reviews",
     {"booking_reference": "{done}", "rating": 4, "title": "Fine",
      "text": "A decent stay, the bed was comfortable."},
     {OWNER: 201, OTHER: 404, ANON: 401, STAFF: 404}),
    ("helpful vote", "post", "/api/reviews/{review}/helpful", None,
     {OWNER: 409, OTHER: 200, ANON: 401, STAFF: 200}),
    ("me read", "get", "/api/me", None,
     {OWNER: 200, OTHER: 200, ANON: 401, STAFF: 200}),
    ("me update", "patch", "/api/me", {"first_name": "Mallory"},
     {OWNER: 200, OTHER: 200, ANON: 401, STAFF: 200}),
]  # fmt: skip
ROLES = [OWNER, OTHER, ANON, STAFF]


def fill(value: Any, world: World) -> Any:
    ids = {"hold": str(world.hold.pk), "booking": world.booking.reference,
           "done": world.done.reference, "review": str(world.review.pk)}  # fmt: skip
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


def snapshot(world: World) -> dict[str, Any]:
    """Everything a request by the wrong person must leave as it was."""
    owner = world.users[OWNER]
    owner.refresh_from_db()
    return {
        "hold": Hold.objects.get(pk=world.hold.pk).status,
        "booking": Booking.objects.get(pk=world.booking.pk).status,
        "bookings": Booking.objects.count(),
        "payments": Payment.objects.count(),
        "reviews": Review.objects.count(),
        "helpful": Review.objects.get(pk=world.review.pk).helpful_count,
        "owner": (owner.first_name, owner.email),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_access_matrix(world, name, method, url, body, expected, role):
    client = api_as(world, role)
    before = snapshot(world)
    kwargs: dict[str, Any] = {"format": "json"}
    if body is not None:
        kwargs["data"] = fill(body, world)
    if name == "book a hold":
        kwargs["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4())

    response = getattr(client, method)(fill(url, world), **kwargs)

    assert response.status_code == expected[role], response.content
    after = snapshot(world)
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert after == before  # a refusal changes nothing at all
    if role != OWNER:
        # whatever another person did, the owner's objects are the owner's as before
        assert after["hold"] == before["hold"]
        assert after["booking"] == before["booking"]
        assert after["owner"] == before["owner"]
        assert after["bookings"] == before["bookings"]


def test_the_owner_actions_do_what_they_say(world):
    client = api_as(world, OWNER)

    client.delete(f"/api/holds/{world.hold.pk}")
    client.post(f"/api/bookings/{world.booking.reference}/cancel")

    assert Hold.objects.get(pk=world.hold.pk).status == HoldStatus.RELEASED
    assert Booking.objects.get(pk=world.booking.pk).status == BookingStatus.CANCELLED


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_me_show_only_the_callers_own(world, role):
    if world.users[role] is None:
        return  # anonymous: 401 in the matrix
    client = api_as(world, role)

    listed = {b["reference"] for b in client.get("/api/bookings").json()["results"]}
    me = client.get("/api/me").json()

    own = set(Booking.objects.filter(user=world.users[role]).values_list("reference", flat=True))
    assert listed == own
    assert me["id"] == world.users[role].pk
    assert (role == OWNER) == bool(listed)


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/bookings/booking/", "/admin/reviews/review/",
     "/admin/audit/auditentry/", "/admin/analytics/dashboard/"],
)  # fmt: skip
@pytest.mark.parametrize(
    ("role", "expected"),
    [(OWNER, 302), (ANON, 302), (STAFF_PASSWORD_ONLY, 302), (STAFF, 200)],
)
def test_admin_and_dashboard_are_staff_only(world, path, role, expected):
    # Staff whose session has not passed the second factor are kept out like travelers.
    client = Client()
    if role == STAFF:
        log_in_verified(client, world.users[role])
    elif world.users[role] is not None:
        client.force_login(world.users[role])

    response = client.get(path)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")
