"""Staff find bookings and payments in the admin and cancel only after confirming."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus, Hold, Payment, Refund, SandboxCharge
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(client_of, room_type, day):  # type: ignore[no-untyped-def]
    user = UserFactory(email="guest@example.com")
    client = client_of(user)
    hold = client.post("/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 2)}]},
                       format="json").json()  # fmt: skip
    response = client.post(
        "/api/bookings",
        {"hold_id": hold["id"], "travelers": [{"first_name": "Zed", "last_name": "Quinn"}],
         "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip
    return Booking.objects.get(reference=response.json()["reference"])


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Booking, "guest@example.com"),
        (Booking, "Quinn"),
        (Hold, "guest@example.com"),
        (Payment, "guest@example.com"),
        (Refund, "guest@example.com"),
        (SandboxCharge, "x"),
    ],
)
def test_pages_open_and_search(admin_client, booking, model, query):
    url = reverse(f"admin:bookings_{model._meta.model_name}_changelist")

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": query}).status_code == 200


def test_search_by_reference_and_open_the_booking(admin_client, booking):
    url = reverse("admin:bookings_booking_changelist")

    page = admin_client.get(url, {"q": booking.reference}).content.decode()
    detail = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert booking.reference in page
    assert detail.status_code == 200
    assert "Quinn" in detail.content.decode()


def test_staff_cancel_needs_a_confirmation(admin_client, booking):
    url = reverse("admin:bookings_booking_changelist")
    selection = {"action": "cancel_and_refund", "_selected_action": [booking.pk]}

    confirm = admin_client.post(url, selection)

    assert confirm.status_code == 200
    assert "Yes, cancel and refund" in confirm.content.decode()
    assert "210.00" in confirm.content.decode()  # what will be refunded
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    done = admin_client.post(url, {**selection, "post": "yes"})

    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert SandboxCharge.objects.get().refunded_amount == 210
    assert Refund.objects.get().reason.startswith("cancelled by staff")


def test_bookings_cannot_be_edited_or_deleted_in_the_admin(admin_client, booking):
    change = admin_client.post(
        reverse("admin:bookings_booking_change", args=[booking.pk]), {"status": "cancelled"}
    )
    delete = admin_client.post(
        reverse("admin:bookings_booking_delete", args=[booking.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
