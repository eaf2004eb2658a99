"""GET /api/hotels/{id}: what a traveler reads before choosing a room."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from search.apis.common import today_anywhere
from tests.factories.catalog import HotelFactory, RoomTypeFactory, room_nights

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotel():
    hotel = HotelFactory.create(
        name="Hôtel des Arts", stars=4, amenities=["wifi", "bar"], free_cancellation_days=3
    )
    start = today_anywhere()
    double = RoomTypeFactory.create(hotel=hotel, name="Double room", capacity=2, size_m2=18)
    family = RoomTypeFactory.create(hotel=hotel, name="Family room", capacity=4)
    room_nights(double, start, 40, price=Decimal("140.00"))
    nights = room_nights(family, start, 40, price=Decimal("210.00"))
    nights[3].price = Decimal("190.00")  # the cheapest night of the coming month
    nights[3].save()
    RoomTypeFactory.create(hotel=hotel, name="Hidden", is_published=False)
    return hotel


def test_detail_without_dates_lists_rooms_with_from_prices(api_client, hotel):
    body = api_client.get(f"/api/hotels/{hotel.pk}").json()

    assert body["name"] == "Hôtel des Arts"
    assert body["stars"] == 4
    assert {a["code"] for a in body["amenities"]} == {"wifi", "bar"}
    assert body["cancellation_policy"] == "Free cancellation until 3 days before check-in."
    rooms = {r["name"]: r for r in body["room_types"]}
    assert set(rooms) == {"Double room", "Family room"}
    assert rooms["Family room"]["from_price_per_night"] == {"amount": "190.00", "currency": "EUR"}
    assert rooms["Double room"]["size_m2"] == 18
    assert body["offers"] is None
    assert body["rating"] == {
        "average": None,
        "count": 0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        "sub_scores": {},
    }
    assert body["reviews_url"].endswith(f"/api/hotels/{hotel.pk}/reviews")


def test_detail_with_dates_offers_rooms(api_client, hotel):
    check_in = today_anywhere() + timedelta(days=10)
    params = {
        "check_in": check_in,
        "check_out": check_in + timedelta(days=2),
        "guests": 3,
    }

    body = api_client.get(f"/api/hotels/{hotel.pk}", params).json()

    assert [o["room_type"]["name"] for o in body["offers"]] == ["Family room"]
    offer = body["offers"][0]
    assert offer["price"] == {"amount": "420.00", "currency": "EUR"}
    assert offer["free_cancellation_until"] == (check_in - timedelta(days=3)).isoformat()


@pytest.mark.parametrize("published", [False, None])
def test_unknown_or_unpublished_hotel_is_404(api_client, published):
    hotel_id = 987654 if published is None else HotelFactory.create(is_published=False).pk

    response = api_client.get(f"/api/hotels/{hotel_id}")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
