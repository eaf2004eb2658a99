"""Aggregates: what travelers see summed from approved reviews, and ranked fairly."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.models import BookingItem
from reviews.models import RatingAggregate, Review, Subject
from reviews.services import (
    bayesian_score,
    review_approve,
    review_delete,
    review_reject,
)
from search.services.indexing import sync_index
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db


def make_reviews(trip_of, room_type, day, ratings):
    reviews = []
    for n, rating in enumerate(ratings):
        user = UserFactory.create()
        booking = trip_of(user, hotel_offer(room_type, day, 1))
        reviews.append(
            Review.objects.create(
                user=user, booking_item=BookingItem.objects.get(booking=booking),
                subject=Subject.HOTEL, subject_id=room_type.hotel_id, rating=rating,
                sub_scores={"cleanliness": rating, "value": max(1, rating - n % 2)},
                title="A stay", text="Something long enough to count.",
                travelled_on=day, created_at=timezone.now(),
            )
        )  # fmt: skip
    return reviews


def expected(hotel_id: int) -> dict:
    """The aggregate recomputed here from scratch, independently of reviews.services."""
    approved = list(
        Review.objects.filter(subject=Subject.HOTEL, subject_id=hotel_id, status="approved")
    )
    ratings = [r.rating for r in approved]
    subs: dict[str, list[int]] = {}
    for r in approved:
        for k, v in r.sub_scores.items():
            subs.setdefault(k, []).append(v)
    two = Decimal("0.01")
    return {
        "count": len(ratings),
        "average": (Decimal(sum(ratings)) / len(ratings)).quantize(two, ROUND_HALF_UP)
        if ratings
        else None,
        "distribution": {str(n): Counter(ratings)[n] for n in range(1, 6)},
        "sub_scores": {
            k: float((Decimal(sum(v)) / len(v)).quantize(Decimal("0.1"), ROUND_HALF_UP))
            for k, v in sorted(subs.items())
        },
    }


def stored(hotel_id: int) -> dict:
    aggregate = RatingAggregate.objects.filter(subject=Subject.HOTEL, subject_id=hotel_id).first()
    if aggregate is None:
        return expected(hotel_id) | {"count": 0}
    return {
        "count": aggregate.count,
        "average": aggregate.average,
        "distribution": aggregate.distribution,
        "sub_scores": aggregate.sub_scores,
    }


@settings(max_examples=15)
@given(
    ratings=st.lists(st.integers(1, 5), min_size=1, max_size=6),
    actions=st.lists(
        st.tuples(st.sampled_from(["approve", "reject", "delete"]), st.integers(0, 5)),
        max_size=10,
    ),
)
def test_aggregates_always_equal_a_fresh_recount(trip_of, ratings, actions):
    from search.apis.common import today_anywhere

    day = today_anywhere() + timedelta(days=40)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=20)
    reviews = make_reviews(trip_of, room_type, day, ratings)
    staff, now = UserFactory.create(is_staff=True), timezone.now()
    alive = list(reviews)

    for action, index in actions:
        if not alive:
            break
        review = alive[index % len(alive)]
        if action == "approve":
            review_approve(review, staff=staff, now=now)
        elif action == "reject":
            review_reject(review, staff=staff, reason="spam", now=now)
        else:
            review_delete(review, now=now)
            alive.remove(review)
        assert stored(room_type.hotel_id) == expected(room_type.hotel_id)


def test_one_five_star_review_does_not_beat_hundreds_at_4_7():
    assert bayesian_score(count=1, total=5) < bayesian_score(count=400, total=1880)
    assert bayesian_score(count=0, total=0) is None


def test_rating_sort_in_search_uses_the_bayesian_score(api_client, day):
    from search.apis.common import today_anywhere

    check_in = today_anywhere() + timedelta(days=10)
    rome = CityFactory.create(name="Rome", country_code="IT")
    for name, count, average in [("One Rave", 1, "5.00"), ("Crowd Pleaser", 400, "4.70"),
                                 ("Unrated", 0, None)]:  # fmt: skip
        hotel = HotelFactory.create(name=name, city=rome)
        room_nights(RoomTypeFactory.create(hotel=hotel), check_in, 2)
        if count:
            RatingAggregate.objects.create(
                subject=Subject.HOTEL, subject_id=hotel.pk, count=count,
                average=Decimal(average), updated_at=timezone.now(),
                score=bayesian_score(count=count, total=int(Decimal(average) * count)),
            )  # fmt: skip
    sync_index(full=True)

    body = api_client.get(
        "/api/hotels/search",
        {"city": "Rome", "check_in": check_in, "check_out": check_in + timedelta(days=2),
         "sort": "rating"},
    ).json()  # fmt: skip

    assert [h["name"] for h in body["results"]] == ["Crowd Pleaser", "One Rave", "Unrated"]
    assert body["results"][0]["rating"]["average"] == "4.70"
    assert body["results"][0]["rating"]["count"] == 400
    assert body["results"][2]["rating"] == {
        "average": None, "count": 0, "distribution": {str(n): 0 for n in range(1, 6)},
        "sub_scores": {},
    }  # fmt: skip


def test_detail_and_search_show_the_rating_after_approval(api_client, trip_of, room_type, day):
    reviews = make_reviews(trip_of, room_type, day, [5, 4])
    sync_index(full=True)  # the index knows the hotel, not yet its rating
    staff = UserFactory.create(is_staff=True)
    for review in reviews:
        review_approve(review, staff=staff, now=timezone.now())

    detail = api_client.get(f"/api/hotels/{room_type.hotel_id}").json()["rating"]
    results = api_client.get(
        "/api/hotels/search",
        {"city": room_type.hotel.city_id, "check_in": day, "check_out": day + timedelta(days=2)},
    ).json()["results"]  # fmt: skip

    assert detail["count"] == 2
    assert detail["average"] == "4.50"
    assert detail["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert detail["sub_scores"] == {"cleanliness": 4.5, "value": 4.0}
    # Search results show the same full rating at once, before the index is refreshed.
    assert [r["rating"] for r in results if r["id"] == room_type.hotel_id] == [detail]
    # The search index catches up at its next (incremental) sync.
    report = sync_index()
    assert report.upserted["hotel"] == 1
    from search.engines.base import HotelQuery
    from search.engines.local import LocalEngine

    [hit] = LocalEngine().hotels(HotelQuery(city_id=room_type.hotel.city_id))
    assert (hit.rating_average, hit.rating_count) == (Decimal("4.50"), 2)


def test_flight_and_car_results_carry_the_ratings(api_client, fare, car, day):
    for subject, subject_id in [(Subject.AIRLINE, fare.leg.airline_id),
                                (Subject.CAR_VENDOR, car.office.vendor_id)]:  # fmt: skip
        RatingAggregate.objects.create(
            subject=subject, subject_id=subject_id, count=12, average=Decimal("4.25"),
            score=bayesian_score(count=12, total=51), updated_at=timezone.now(),
            distribution={"3": 2, "4": 5, "5": 5}, sub_scores={"service": 4.1},
        )  # fmt: skip
    sync_index(full=True)
    leg = fare.leg

    flights = api_client.get(
        "/api/flights/search",
        {"origin": leg.origin.iata, "destination": leg.destination.iata,
         "date": leg.departure_at.date()},
    ).json()  # fmt: skip
    cars = api_client.get(
        "/api/cars/search",
        {"location": car.office.airport.iata, "pick_up": day, "drop_off": day + timedelta(days=2)},
    ).json()  # fmt: skip

    full = {"average": "4.25", "count": 12, "distribution": {"1": 0, "2": 0, "3": 2, "4": 5,
            "5": 5}, "sub_scores": {"service": 4.1}}  # fmt: skip
    assert flights["airline_ratings"] == {leg.airline.iata: {"airline_id": leg.airline_id, **full}}
    assert cars["results"][0]["vendor"]["rating"] == full


def test_a_page_of_results_gets_every_full_rating_in_one_query(
    trip_of, room_type, day, django_assert_num_queries
):
    from reviews.selectors import ratings_json_map

    for review in make_reviews(trip_of, room_type, day, [5, 3, 4]):
        review_approve(review, staff=UserFactory.create(is_staff=True), now=timezone.now())
    unrated = HotelFactory.create()

    with django_assert_num_queries(1):
        ratings = ratings_json_map(
            subject=Subject.HOTEL, subject_ids=[room_type.hotel_id, unrated.pk]
        )

    assert ratings[room_type.hotel_id] == {
        "average": "4.00", "count": 3,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
        "sub_scores": {"cleanliness": 4.0, "value": 3.7},
    }  # fmt: skip
    assert ratings[unrated.pk] == {
        "average": None, "count": 0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, "sub_scores": {},
    }  # fmt: skip


def test_an_approved_review_shows_in_the_next_identical_search(
    api_client, trip_of, room_type, day, django_capture_on_commit_callbacks
):
    sync_index(full=True)
    params = {"city": room_type.hotel.city_id, "check_in": day,
              "check_out": day + timedelta(days=2)}  # fmt: skip
    before = api_client.get("/api/hotels/search", params).json()["results"][0]["rating"]
    [review] = make_reviews(trip_of, room_type, day, [4])

    with django_capture_on_commit_callbacks(execute=True):
        review_approve(review, staff=UserFactory.create(is_staff=True), now=timezone.now())

    after = api_client.get("/api/hotels/search", params).json()["results"][0]["rating"]
    assert (before["count"], after["count"]) == (0, 1)
