"""Moderation in the admin: bulk approve, reject with a reason, flags to find abuse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import RatingAggregate, Review, ReviewStatus, Subject
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db
URL = "/admin/reviews/review/"


@pytest.fixture
def pending(trip_of, room_type, day, client_of):
    texts = [
        (5, "Spotless rooms and a warm welcome from the staff."),
        (4, "Good location, breakfast could be better though."),
        (1, "SCAM!!! book at www.cheaper-rooms.example.com instead"),
    ]
    for rating, text in texts:
        user = UserFactory.create()
        booking = trip_of(user, hotel_offer(room_type, day, 1))
        response = client_of(user).post(
            "/api/reviews",
            {"booking_reference": booking.reference, "rating": rating, "title": "My stay",
             "text": text},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()
    return list(Review.objects.order_by("pk"))


def aggregate(hotel_id: int) -> RatingAggregate | None:
    return RatingAggregate.objects.filter(subject=Subject.HOTEL, subject_id=hotel_id).first()


def test_the_screen_flags_abuse_for_staff(admin_client, pending):
    flagged = admin_client.get(URL, {"flagged": "yes"}).content.decode()
    clean = admin_client.get(URL, {"flagged": "no"}).content.decode()

    assert pending[2].flags == ["link", "profanity"]
    assert "cheaper-rooms" not in clean
    assert pending[2].title in flagged


def test_bulk_approve_makes_reviews_public_and_counts_them(admin_client, pending, room_type):
    ids = [r.pk for r in pending[:2]]

    response = admin_client.post(URL, {"action": "approve", "_selected_action": ids})

    assert response.status_code == 302
    public = admin_client.get(f"/api/hotels/{room_type.hotel_id}/reviews").json()
    assert public["count"] == 2
    assert (aggregate(room_type.hotel_id).count, str(aggregate(room_type.hotel_id).average)) == (
        2,
        "4.50",
    )
    approved = Review.objects.get(pk=ids[0])
    assert approved.moderated_by.is_superuser
    assert approved.moderated_at is not None


def test_reject_asks_for_a_reason_and_records_it(admin_client, pending, room_type):
    selection = {"action": "reject", "_selected_action": [pending[2].pk]}

    form = admin_client.post(URL, selection)
    no_reason = admin_client.post(URL, {**selection, "post": "yes", "reason": " "})
    done = admin_client.post(URL, {**selection, "post": "yes", "reason": "advertising"})

    assert form.status_code == 200
    assert "Reason" in form.content.decode()
    assert no_reason.status_code == 200  # asked again
    assert done.status_code == 302
    review = Review.objects.get(pk=pending[2].pk)
    assert (review.status, review.moderation_reason) == (ReviewStatus.REJECTED, "advertising")


def test_rejecting_or_deleting_an_approved_review_updates_the_rating(
    admin_client, pending, room_type
):
    admin_client.post(URL, {"action": "approve", "_selected_action": [r.pk for r in pending]})
    assert aggregate(room_type.hotel_id).count == 3

    admin_client.post(URL, {"action": "reject", "_selected_action": [pending[2].pk],
                            "post": "yes", "reason": "advertising"})  # fmt: skip
    assert str(aggregate(room_type.hotel_id).average) == "4.50"

    admin_client.post(URL, {"action": "delete_selected", "_selected_action": [pending[0].pk],
                            "post": "yes"})  # fmt: skip
    assert (aggregate(room_type.hotel_id).count, str(aggregate(room_type.hotel_id).average)) == (
        1,
        "4.00",
    )


def test_staff_cannot_rewrite_a_review(admin_client, pending):
    response = admin_client.post(
        reverse("admin:reviews_review_change", args=[pending[0].pk]),
        {"rating": 1, "text": "edited by staff"},
    )

    pending[0].refresh_from_db()
    assert response.status_code in (200, 302)
    assert pending[0].rating == 5
    assert pending[0].text.startswith("Spotless")


def test_markup_in_reviews_stays_text_on_every_moderation_page(admin_client, pending):
    Review.objects.filter(pk=pending[0].pk).update(
        title="<img src=x onerror=alert(1)>", flags=["html"]
    )

    pages = [
        admin_client.get(URL).content.decode(),
        admin_client.get(URL, {"flagged": "yes"}).content.decode(),
        admin_client.post(
            URL, {"action": "reject", "_selected_action": [pending[0].pk]}
        ).content.decode(),
    ]

    for page in pages:
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_staff_who_may_only_read_reviews_cannot_moderate_them(pending):
    from django.contrib.auth.models import Permission
    from django.test import Client

    from tests.factories.accounts import log_in_verified

    # given a staff member who may view reviews, not change them
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="view_review"))
    client = log_in_verified(Client(), staff)
    ids = [r.pk for r in pending]

    # when they post approve and reject
    client.post(URL, {"action": "approve", "_selected_action": ids})
    client.post(URL, {"action": "reject", "_selected_action": ids, "post": "yes",
                      "reason": "spam"})  # fmt: skip

    # then every review is still waiting for a moderator
    assert set(Review.objects.values_list("status", flat=True)) == {ReviewStatus.PENDING}
