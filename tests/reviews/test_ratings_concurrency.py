"""Aggregates stay right when staff moderate many reviews of one subject at once (MariaDB)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from reviews.models import RatingAggregate, Review, Subject
from reviews.services import rating_compute, review_approve, review_delete, review_reject
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.reviews.test_ratings import make_reviews

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def test_moderating_a_hotels_reviews_at_once_keeps_its_aggregate_exact(trip_of):
    day = today_anywhere() + timedelta(days=40)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=30)
    reviews = make_reviews(trip_of, room_type, day, [5, 4, 4, 3, 5, 2, 1, 5, 4, 3, 5, 4])
    staff = UserFactory.create(is_staff=True)
    # Half are approved first, so the others' rejection and deletion change a real count.
    for review in reviews[6:]:
        review_approve(review, staff=staff, now=timezone.now())
    barrier = threading.Barrier(len(reviews))

    def moderate(n: int) -> None:
        review = Review.objects.get(pk=reviews[n].pk)
        barrier.wait()
        try:
            if n < 6:
                review_approve(review, staff=staff, now=timezone.now())
            elif n < 9:
                review_reject(review, staff=staff, reason="off topic", now=timezone.now())
            else:
                review_delete(review, now=timezone.now())
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(reviews)) as pool:
        list(pool.map(moderate, range(len(reviews))))

    stored = RatingAggregate.objects.get(subject=Subject.HOTEL, subject_id=room_type.hotel_id)
    fresh = rating_compute(subject=Subject.HOTEL, subject_id=room_type.hotel_id)
    assert stored.count == fresh["count"] == 6  # the six approved at once; the rest gone
    assert stored.average == fresh["average"]
    assert stored.distribution == fresh["distribution"] == {
        "1": 0, "2": 1, "3": 1, "4": 2, "5": 2,
    }  # fmt: skip
    assert stored.sub_scores == fresh["sub_scores"]
    assert stored.score == fresh["score"]
