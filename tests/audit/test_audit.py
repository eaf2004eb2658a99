"""Every staff action on bookings, refunds and reviews leaves one audit entry (who, what,
when, why), visible and unchangeable in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from bookings.models import Booking, BookingItem, BookingStatus
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from reviews.models import Review, ReviewStatus
from search.offers import offer_decode
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db
BOOKINGS = "/admin/bookings/booking/"
REVIEWS = "/admin/reviews/review/"


@pytest.fixture
def staff(admin_user):
    return admin_user


def book(room_type, day, *, done=False) -> Booking:
    now = timezone.now()
    user = UserFactory.create()
    hold = hold_create(user=user, offers=[offer_decode(hotel_offer(room_type, day, 1))], now=now)
    booking = booking_create(
        user=user, hold_id=hold.pk, payment_token="tok_visa", now=now,
        travelers=[TravelerIn(type="adult", first_name="Ada", last_name="L")],
    )  # fmt: skip
    if done:
        BookingItem.objects.filter(booking=booking).update(
            service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
        )
        # Booked before it began (a review of an item booked once it was over is refused).
        Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=6))
    return booking


@pytest.fixture
def review(room_type, day, client_of):
    booking = book(room_type, day, done=True)
    response = client_of(booking.user).post(
        "/api/reviews",
        {"booking_reference": booking.reference, "rating": 4, "title": "Nice",
         "text": "Quiet room, friendly staff, would stay again."},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return Review.objects.get()


def test_staff_cancel_and_refund_is_recorded_with_the_refund(admin_client, staff, room_type, day):
    booking = book(room_type, day)
    before = timezone.now()

    admin_client.post(
        BOOKINGS,
        {"action": "cancel_and_refund", "_selected_action": [booking.pk], "post": "yes",
         "reason": "hotel closed for works"},
    )  # fmt: skip

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.reason) == (
        staff, "booking.cancel_refund", "hotel closed for works",
    )  # fmt: skip
    assert (entry.target_type, entry.target_id) == ("bookings.booking", str(booking.pk))
    assert entry.target_repr == str(booking)
    assert entry.details == {"refunds": [{"amount": "100.00", "currency": "EUR"}]}
    assert before <= entry.at <= timezone.now()


def test_the_confirmation_page_alone_records_nothing(admin_client, room_type, day):
    booking = book(room_type, day)

    admin_client.post(BOOKINGS, {"action": "cancel_and_refund", "_selected_action": [booking.pk]})

    assert not AuditEntry.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancelling_an_already_cancelled_booking_records_nothing_more(admin_client, room_type, day):
    booking = book(room_type, day)
    selection = {"action": "cancel_and_refund", "_selected_action": [booking.pk], "post": "yes"}
    admin_client.post(BOOKINGS, selection)

    admin_client.post(BOOKINGS, selection)

    assert AuditEntry.objects.get().reason == "cancelled by staff"


def test_approve_reject_and_delete_are_each_one_entry(admin_client, staff, review):
    selection = {"_selected_action": [review.pk]}

    admin_client.post(REVIEWS, {**selection, "action": "approve"})
    admin_client.post(REVIEWS, {**selection, "action": "reject", "post": "yes",
                                "reason": "names another guest"})  # fmt: skip
    admin_client.post(REVIEWS, {**selection, "action": "delete_selected", "post": "yes"})

    entries = list(AuditEntry.objects.order_by("pk"))
    assert [(e.action, e.reason, e.actor) for e in entries] == [
        ("review.approve", "", staff),
        ("review.reject", "names another guest", staff),
        ("review.delete", "", staff),
    ]
    assert {e.target_id for e in entries} == {str(review.pk)}
    assert {e.target_type for e in entries} == {"reviews.review"}
    assert not Review.objects.exists()  # the trail outlives the review


def test_a_rejection_without_reason_changes_and_records_nothing(admin_client, review):
    admin_client.post(REVIEWS, {"_selected_action": [review.pk], "action": "reject",
                                "post": "yes", "reason": "  "})  # fmt: skip

    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert not AuditEntry.objects.exists()


def test_the_audit_log_is_visible_and_read_only_in_the_admin(admin_client, staff, review):
    admin_client.post(REVIEWS, {"_selected_action": [review.pk], "action": "approve"})
    entry = AuditEntry.objects.get()

    listing = admin_client.get(reverse("admin:audit_auditentry_changelist"), {"q": "Nice"})
    detail = admin_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    edit = admin_client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "rewritten"}
    )
    add = admin_client.get(reverse("admin:audit_auditentry_add"))
    delete = admin_client.post(
        reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert "review.approve" in listing.content.decode()
    assert detail.status_code == 200
    assert edit.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == ""


def test_travelers_cannot_see_the_audit_log(client, review):
    client.force_login(review.user)

    response = client.get(reverse("admin:audit_auditentry_changelist"))

    assert response.status_code == 302  # to the admin login
