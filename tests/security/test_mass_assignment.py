"""Client-sent prices, totals, statuses and owners change nothing: the server computes
every amount and charges exactly that; fields an endpoint does not take are ignored, and
methods it does not take are 405."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldItem,
    HoldStatus,
    Payment,
    SandboxCharge,
    Traveler,
)
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from reviews.models import Review, ReviewStatus
from search.offers import offer_decode
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db

FORGED_MONEY = {"amount": "0.01", "currency": "EUR"}
ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}


def test_a_hold_ignores_client_prices_statuses_and_owners(client_of, traveler, room_type, day):
    victim = UserFactory.create()
    offer = hotel_offer(room_type, day, 2)

    response = client_of(traveler).post(
        "/api/holds",
        {
            "items": [{"offer_id": offer, "price": FORGED_MONEY, "units": 99, "kind": "car"}],
            "price": FORGED_MONEY, "total": FORGED_MONEY, "totals": [FORGED_MONEY],
            "status": "booked", "user": victim.pk, "user_id": victim.pk,
            "expires_at": "2099-01-01T00:00:00Z", "id": str(uuid.uuid4()),
        },
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    assert response.json()["total"] == {"amount": "210.00", "currency": "EUR"}
    hold = Hold.objects.get()
    assert str(hold.pk) == response.json()["id"]
    assert (hold.user, hold.status) == (traveler, HoldStatus.ACTIVE)
    assert hold.expires_at <= timezone.now() + timedelta(minutes=15)
    item = HoldItem.objects.get()
    assert (item.price_amount, item.price_currency, item.units, item.kind) == (
        Decimal("210.00"), "EUR", 1, "hotel",
    )  # fmt: skip
    assert not victim.holds.exists()


def test_the_amount_charged_is_the_servers_total(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 3)}]}, format="json"
    ).json()["id"]

    response = client.post(
        "/api/bookings",
        {
            "hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa",
            "amount": "0.01", "total": FORGED_MONEY, "currency": "JPY", "status": "cancelled",
            "user": UserFactory.create().pk, "reference": "TG-HACKED", "refunded": FORGED_MONEY,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == {"amount": "330.00", "currency": "EUR"}
    assert body["status"] == "confirmed"
    assert body["reference"] != "TG-HACKED"
    booking = Booking.objects.get()
    assert (booking.user, booking.status) == (traveler, "confirmed")
    charge = SandboxCharge.objects.get()
    assert (charge.amount, charge.currency, charge.succeeded) == (Decimal("330.00"), "EUR", True)
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.user) == (Decimal("330.00"), "EUR", traveler)
    assert BookingItem.objects.get().refunded_amount == 0


def test_traveler_details_beyond_the_booking_form_are_not_kept(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()["id"]
    extra = {"passport": "X1234567", "email": "ada@example.com", "phone": "+44 20 7946 0000",
             "nationality": "GB", "booking": 999}  # fmt: skip

    client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [{**ADULT, **extra}], "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY="k1",
    )  # fmt: skip

    stored = Traveler.objects.values().get()
    assert set(stored) == {"id", "booking_id", "position", "type", "first_name", "last_name",
                           "birth_date", "is_driver"}  # fmt: skip
    assert stored["booking_id"] == Booking.objects.get().pk
    assert "X1234567" not in str(stored)


def test_a_review_cannot_approve_itself_or_claim_votes(client_of, traveler, room_type, day):
    now = timezone.now()
    hold = hold_create(user=traveler, offers=[offer_decode(hotel_offer(room_type, day, 1))],
                       now=now)  # fmt: skip
    booking = booking_create(
        user=traveler, hold_id=hold.pk, payment_token="tok_visa", now=now,
        travelers=[TravelerIn(type="adult", first_name="A", last_name="B")],
    )  # fmt: skip
    BookingItem.objects.filter(booking=booking).update(
        service_start=now - timedelta(days=3), service_end=now - timedelta(days=1)
    )
    # Booked before it began (a review of an item booked once it was over is refused).
    Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=4))
    staff = UserFactory.create(is_staff=True)

    response = client_of(traveler).post(
        "/api/reviews",
        {"booking_reference": booking.reference, "rating": 5, "title": "Great",
         "text": "Lovely stay with a view of the river.", "status": "approved",
         "helpful_count": 1000, "user": staff.pk, "moderated_by": staff.pk, "subject_id": 1,
         "subject": "airline", "flags": []},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    review = Review.objects.get()
    assert (review.status, review.helpful_count, review.user, review.moderated_by) == (
        ReviewStatus.PENDING, 0, traveler, None,
    )  # fmt: skip
    assert (review.subject, review.subject_id) == ("hotel", room_type.hotel_id)


SENSITIVE = ["id", "email", "username", "is_staff", "is_superuser", "is_active", "password",
             "date_joined", "last_login", "groups", "user_permissions"]  # fmt: skip


@given(
    extra=st.dictionaries(
        # Any key but the names /api/me does change (Hypothesis also draws string constants
        # found in the code, `last_name` among them).
        (st.sampled_from(SENSITIVE) | st.text(min_size=1, max_size=12)).filter(
            lambda key: key not in ("first_name", "last_name")
        ),
        # no long digit runs: the card guard would (rightly) refuse those first
        st.none()
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.text("abc xyz!@.", max_size=20),
        max_size=6,
    ),
    first=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=20),
)
def test_me_changes_names_and_nothing_else(client_of, traveler, extra, first):
    before = User.objects.values().get(pk=traveler.pk)

    response = client_of(traveler).patch("/api/me", {**extra, "first_name": first}, format="json")

    assert response.status_code == 200
    after = User.objects.values().get(pk=traveler.pk)
    assert after["first_name"] == first.strip()
    assert {k: v for k, v in after.items() if k != "first_name"} == {
        k: v for k, v in before.items() if k != "first_name"
    }
    assert after["is_staff"] is False
    assert after["is_superuser"] is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/holds/{hold}"),
        ("put", "/api/holds/{hold}"),
        ("patch", "/api/bookings/{booking}"),
        ("put", "/api/bookings/{booking}"),
        ("delete", "/api/bookings/{booking}"),
        ("patch", "/api/bookings"),
        ("get", "/api/bookings/{booking}/cancel"),
        ("patch", "/api/bookings/{booking}/cancel"),
        ("put", "/api/me"),
        # DELETE /api/me is the erasure, with a password: tests/privacy/test_me_api.py
        ("patch", "/api/reviews"),
    ],
)
def test_methods_an_endpoint_does_not_take_are_405_and_change_nothing(
    client_of, traveler, room_type, day, method, path
):
    client = client_of(traveler)
    hold_id = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()["id"]
    reference = client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY="k2",
    ).json()["reference"]  # fmt: skip
    url = path.format(hold=hold_id, booking=reference)

    response = getattr(client, method)(
        url, {"status": "cancelled", "total": FORGED_MONEY, "user": 1}, format="json"
    )

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method-not-allowed"
    booking = Booking.objects.get()
    assert booking.status == "confirmed"
    assert booking.totals()[0].amount == Decimal("100.00")
    assert Hold.objects.get().status == HoldStatus.BOOKED


def test_registering_cannot_make_staff(api_client):
    response = api_client.post(
        "/api/auth/register",
        {"email": "eve@example.com", "password": "a-long-unusual-passphrase", "first_name": "Eve",
         "last_name": "E", "is_staff": True, "is_superuser": True, "is_active": True,
         "groups": [1], "id": 1, "date_joined": "2000-01-01T00:00:00Z"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 202
    eve = User.objects.get(email="eve@example.com")
    assert eve.email_verified_at is None  # only the emailed link verifies
    assert (eve.is_staff, eve.is_superuser, eve.groups.count()) == (False, False, 0)
    assert eve.date_joined.year != 2000
