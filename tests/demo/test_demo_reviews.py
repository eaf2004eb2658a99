"""A fresh `make run` shows ratings: the demo has past trips with approved reviews."""

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from demo.loader import load_demo
from demo.reviews import load_demo_reviews
from reviews.models import RatingAggregate, Review, ReviewStatus, Subject
from search.services.indexing import sync_index

pytestmark = pytest.mark.django_db


def test_demo_reviews_are_verified_approved_and_summed(api_client):
    load_demo(days=1, progress=False)
    now = timezone.now()

    count = load_demo_reviews(seed=42, now=now)

    assert count > 500
    subjects = set(RatingAggregate.objects.values_list("subject", flat=True))
    assert subjects == {Subject.HOTEL, Subject.CAR_VENDOR, Subject.AIRLINE}
    for review in Review.objects.select_related("booking_item__booking")[:200]:
        item = review.booking_item
        assert review.status == ReviewStatus.APPROVED
        assert item.booking.user_id == review.user_id  # the reviewer's own trip
        assert item.booking.status == BookingStatus.CONFIRMED
        assert item.service_end < review.created_at <= now + timezone.timedelta(days=3)
    rated = RatingAggregate.objects.filter(subject=Subject.HOTEL).first()
    detail = api_client.get(f"/api/hotels/{rated.subject_id}").json()
    assert detail["rating"]["count"] == rated.count > 0
    sync_index(full=True)
    listed = api_client.get(f"/api/hotels/{rated.subject_id}/reviews").json()
    assert listed["count"] == rated.count
    assert listed["results"][0]["verified"] is True


def test_the_demo_manager_manages_a_hotel_whose_page_shows_a_reply(api_client):
    from demo.users import MANAGER_EMAIL
    from reviews.models import ManagedProperty

    load_demo(days=1, progress=False)  # the demo users with it

    load_demo_reviews(seed=42, now=timezone.now())

    link = ManagedProperty.objects.get(user__email=MANAGER_EMAIL)
    listed = api_client.get(f"/api/hotels/{link.subject_id}/reviews").json()
    assert listed["results"][0]["reply"]["text"].startswith("Thank you for staying with us")

    # A reload deletes the replies and links with the reviews (no row left pointing at them).
    from demo.loader import wipe_catalog
    from reviews.models import ReviewReply

    wipe_catalog()
    assert not ReviewReply.objects.exists()
    assert not ManagedProperty.objects.exists()
