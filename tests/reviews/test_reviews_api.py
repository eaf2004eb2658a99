"""Only real guests review, once per item; only approved reviews are public."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import BookingItem
from bookings.services.bookings import TravelerIn
from bookings.services.cancellation import booking_cancel
from reviews.models import Review, ReviewStatus
from reviews.services import review_approve
from tests.factories.accounts import UserFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

GOOD = {
    "rating": 4,
    "sub_scores": {"cleanliness": 5, "location": 4, "service": 4, "value": 3},
    "title": "Lovely stay near the river",
    "text": "Quiet room, friendly staff and a great breakfast. Would stay again.",
}


def post_review(client, reference, **changes):
    body = {"booking_reference": reference, **GOOD, **changes}
    return client.post("/api/reviews", {k: v for k, v in body.items() if v is not None},
                       format="json")  # fmt: skip


def test_a_guest_reviews_their_completed_stay(client_of, traveler, trip_of, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 2))

    response = post_review(client_of(traveler), booking.reference)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert (body["subject"], body["subject_id"]) == ("hotel", room_type.hotel_id)
    assert body["author"] == "Tess T."
    assert body["verified"] is True
    # Pending reviews are not public yet.
    public = client_of(UserFactory.create()).get(f"/api/hotels/{room_type.hotel_id}/reviews").json()
    assert public["count"] == 0


def test_not_before_the_trip_is_over(client_of, traveler, trip_of, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 2), done=False)

    response = post_review(client_of(traveler), booking.reference)

    assert response.status_code == 409
    assert response.json()["code"] == "not-reviewable"
    assert not Review.objects.exists()


def test_not_a_cancelled_booking(client_of, traveler, trip_of, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 2), done=False)
    booking_cancel(booking=booking, now=timezone.now())
    BookingItem.objects.update(service_end=timezone.now() - timedelta(days=1))

    response = post_review(client_of(traveler), booking.reference)

    assert_problem(response, 409, "not-reviewable")
    assert not Review.objects.exists()


def test_not_someone_elses_booking(client_of, traveler, trip_of, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 2))

    response = post_review(client_of(UserFactory.create()), booking.reference)

    assert_problem(response, 404, "booking-not-found")
    assert not Review.objects.exists()


def test_once_per_booking_item(client_of, traveler, trip_of, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 2))
    client = client_of(traveler)

    assert post_review(client, booking.reference).status_code == 201
    again = post_review(client, booking.reference, title="Second thoughts")

    assert again.status_code == 409
    assert again.json()["code"] == "already-reviewed"
    assert Review.objects.count() == 1


def test_a_trip_needs_the_item_named_and_sub_scores_fit_it(
    client_of, traveler, trip_of, room_type, car, fare, day
):
    driver = TravelerIn(type="adult", first_name="Ada", last_name="L",
                        birth_date=day.replace(year=1990), is_driver=True)  # fmt: skip
    booking = trip_of(
        traveler, flight_offer(fare), hotel_offer(room_type, day, 1), car_offer(car, day, 1),
        travelers=[driver],
    )  # fmt: skip
    client = client_of(traveler)

    unnamed = post_review(client, booking.reference)
    wrong_scores = post_review(client, booking.reference, item=2)  # hotel scores for a car
    car_review = post_review(
        client, booking.reference, item=2,
        sub_scores={"vehicle": 5, "pick_up": 3, "value": 4},
    )  # fmt: skip
    airline_review = post_review(
        client, booking.reference, item=0, sub_scores={"punctuality": 2},
    )  # fmt: skip

    assert_problem(unnamed, 400, "validation-error")
    assert "item" in unnamed.json()["errors"]
    assert_problem(wrong_scores, 400, "validation-error")
    assert "sub_scores" in wrong_scores.json()["errors"]
    assert car_review.json()["subject"] == "car_vendor"
    assert car_review.json()["subject_id"] == car.office.vendor_id
    assert airline_review.json()["subject"] == "airline"
    assert airline_review.json()["subject_id"] == fare.leg.airline_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": None}, "rating"),
        ({"title": "ok"}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"text": "too short"}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"sub_scores": {"cleanliness": 9}}, "sub_scores"),
        ({"item": 7}, "item"),
        ({"booking_reference": "TG-TOOLONGREF1"}, "booking_reference"),
    ],
)
def test_bad_reviews_are_400(client_of, traveler, trip_of, room_type, day, changes, field):
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))

    response = post_review(client_of(traveler), booking.reference, **changes)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert any(key.split(".")[0] == field for key in response.json()["errors"])


def test_markup_is_kept_as_text_and_flagged(
    client_of, traveler, trip_of, room_type, day, admin_client
):
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))
    text = "<script>alert('x')</script> visit www.cheap-pills.example.com now!!"

    created = post_review(client_of(traveler), booking.reference, text=text).json()

    review = Review.objects.get()
    assert set(review.flags) >= {"html", "link"}
    assert created["text"] == text  # JSON carries text; clients render it as text
    page = admin_client.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_public_list_newest_or_most_helpful_and_by_rating(client_of, trip_of, room_type, day):
    staff = UserFactory.create(is_staff=True)
    reviews = []
    for rating in (5, 3, 4):
        user = UserFactory.create()
        booking = trip_of(user, hotel_offer(room_type, day, 1))
        post_review(client_of(user), booking.reference, rating=rating,
                    text=f"A stay worth {rating} stars, described at length.")  # fmt: skip
        reviews.append(review_approve(Review.objects.latest("pk"), staff=staff, now=timezone.now()))
    Review.objects.filter(pk=reviews[1].pk).update(helpful_count=7)
    url = f"/api/hotels/{room_type.hotel_id}/reviews"
    anyone = client_of(UserFactory.create())

    newest = [r["rating"] for r in anyone.get(url).json()["results"]]
    helpful = [r["rating"] for r in anyone.get(url, {"sort": "helpful"}).json()["results"]]
    fives = anyone.get(url, {"rating": 5}).json()

    assert newest == [4, 3, 5]
    assert helpful[0] == 3
    assert [r["rating"] for r in fives["results"]] == [5]
    assert fives["rating"]["count"] == 3
    assert fives["rating"]["average"] == "4.00"
    assert anyone.get("/api/hotels/987654/reviews").status_code == 404
    assert anyone.get(url, {"sort": "best"}).status_code == 400


def test_helpful_votes_count_once_per_traveler(client_of, trip_of, traveler, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))
    post_review(client_of(traveler), booking.reference)
    review = review_approve(Review.objects.get(), staff=UserFactory.create(), now=timezone.now())
    voter = client_of(UserFactory.create())

    first = voter.post(f"/api/reviews/{review.pk}/helpful")
    second = voter.post(f"/api/reviews/{review.pk}/helpful")
    own = client_of(traveler).post(f"/api/reviews/{review.pk}/helpful")

    assert first.json() == {"helpful_count": 1, "counted": True}
    assert second.json() == {"helpful_count": 1, "counted": False}
    assert_problem(own, 409, "own-review")
    assert Review.objects.get().helpful_count == 1


def test_unapproved_reviews_cannot_be_voted(client_of, trip_of, traveler, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))
    post_review(client_of(traveler), booking.reference)

    response = client_of(UserFactory.create()).post(
        f"/api/reviews/{Review.objects.get().pk}/helpful"
    )

    assert_problem(response, 404, "review-not-found")
    assert Review.objects.get().status == ReviewStatus.PENDING
    assert Review.objects.get().helpful_count == 0


def test_each_item_opens_for_review_only_once_it_is_over(
    traveler, trip_of, room_type, car, fare, day
):
    """Stay checked out, car returned, flight arrived: not a second earlier."""
    from zoneinfo import ZoneInfo

    from bookings.services.reviews import booking_item_review
    from reviews.errors import NotReviewable

    driver = TravelerIn(type="adult", first_name="Ada", last_name="L",
                        birth_date=day.replace(year=1990), is_driver=True)  # fmt: skip
    booking = trip_of(
        traveler, flight_offer(fare), hotel_offer(room_type, day, 2), car_offer(car, day, 3),
        travelers=[driver], done=False,
    )  # fmt: skip
    flight, stay, rental = booking.items.order_by("position")
    hotel, office = room_type.hotel, car.office
    hotel.refresh_from_db()
    office.refresh_from_db()  # times as the database gives them back
    utc = ZoneInfo("UTC")
    checked_out = timezone.datetime.combine(
        day + timedelta(days=2), hotel.check_out_time, tzinfo=ZoneInfo(hotel.city.timezone)
    ).astimezone(utc)
    returned = timezone.datetime.combine(
        day + timedelta(days=3), office.closes_at, tzinfo=ZoneInfo(office.airport.timezone)
    ).astimezone(utc)
    assert flight.service_end == fare.leg.arrival_at
    assert stay.service_end == checked_out
    assert rental.service_end == returned
    scores = {0: {"comfort": 4}, 1: {"cleanliness": 4}, 2: {"vehicle": 4}}

    for item in (flight, stay, rental):

        def review(now, item=item):
            return booking_item_review(
                user=traveler, booking_reference=booking.reference, position=item.position,
                rating=4, sub_scores=scores[item.position], title="Fine",
                text="It was fine, all things considered.", now=now,
            )  # fmt: skip

        with pytest.raises(NotReviewable):
            review(item.service_start + timedelta(minutes=1))  # under way
        with pytest.raises(NotReviewable):
            review(item.service_end - timedelta(seconds=1))
        assert review(item.service_end).status == ReviewStatus.PENDING

    assert Review.objects.count() == 3


@pytest.mark.parametrize("kind", ["car", "airline"])
def test_car_rental_companies_and_airlines_have_public_reviews_too(
    client_of, trip_of, traveler, car, fare, day, kind
):
    driver = TravelerIn(type="adult", first_name="Ada", last_name="L",
                        birth_date=day.replace(year=1990), is_driver=True)  # fmt: skip
    if kind == "car":
        booking = trip_of(traveler, car_offer(car, day, 2), travelers=[driver])
        scores, url = {"vehicle": 5, "pick_up": 2, "value": 4}, "car-vendors"
        subject_id = car.office.vendor_id
    else:
        booking = trip_of(traveler, flight_offer(fare))
        scores, url = {"comfort": 3, "punctuality": 5, "service": 4}, "airlines"
        subject_id = fare.leg.airline_id
    created = post_review(
        client_of(traveler), booking.reference, rating=4, sub_scores=scores,
        title="<b>Good</b> value", text="Would use again & recommend <i>warmly</i>.",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    anyone = client_of(UserFactory.create())
    assert anyone.get(f"/api/{url}/{subject_id}/reviews").json()["count"] == 0  # pending

    review_approve(
        Review.objects.get(), staff=UserFactory.create(is_staff=True), now=timezone.now()
    )
    page = anyone.get(f"/api/{url}/{subject_id}/reviews").json()

    assert [(r["rating"], r["sub_scores"], r["title"]) for r in page["results"]] == [
        (4, scores, "<b>Good</b> value")  # plain text, as written
    ]
    assert page["rating"] == {
        "average": "4.00", "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
        "sub_scores": {name: float(value) for name, value in sorted(scores.items())},
    }  # fmt: skip
    assert anyone.get(f"/api/{url}/987654/reviews").status_code == 404


def test_voting_needs_a_login(api_client, client_of, trip_of, traveler, room_type, day):
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))
    post_review(client_of(traveler), booking.reference)
    review = review_approve(Review.objects.get(), staff=UserFactory.create(), now=timezone.now())

    response = api_client.post(f"/api/reviews/{review.pk}/helpful")

    assert_problem(response, 401, "not-authenticated")
    assert Review.objects.get().helpful_count == 0
    assert api_client.post("/api/reviews", {}, format="json").status_code == 401


def test_the_public_list_costs_the_same_few_queries_for_many_reviews(
    client_of, trip_of, room_type, day, django_assert_max_num_queries
):
    staff = UserFactory.create(is_staff=True)
    for _ in range(3):
        user = UserFactory.create()
        post_review(client_of(user), trip_of(user, hotel_offer(room_type, day, 1)).reference)
        review_approve(Review.objects.latest("pk"), staff=staff, now=timezone.now())
    anyone = client_of(UserFactory.create())

    with django_assert_max_num_queries(4):  # subject exists, count, page with authors, rating
        body = anyone.get(f"/api/hotels/{room_type.hotel_id}/reviews").json()

    assert body["count"] == 3
