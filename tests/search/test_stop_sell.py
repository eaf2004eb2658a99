"""Sale closed by staff (stop-sell) and a minimum stay keep rooms, cars and seats out of
search and out of holds, whatever is left of them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from bookings.models import Hold
from catalog.models import CarDay, FlightFare, RoomNight
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory, access_token_for
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)
from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=10)


def hotel_search(api_client, city, day, nights):
    response = api_client.get(
        "/api/hotels/search",
        {"city": city.pk, "check_in": day, "check_out": day + timedelta(days=nights)},
    )
    assert response.status_code == 200, response.json()
    return [o["room_type"]["name"] for h in response.json()["results"] for o in h["offers"]]


def hold(api_client, offer):
    token = access_token_for(UserFactory.create())
    return api_client.post(
        "/api/holds",
        {"items": [{"offer_id": offer}]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_room_closed_on_one_night_is_not_offered_nor_held(api_client, day, reindex):
    city = CityFactory()
    open_room = RoomTypeFactory.create(hotel__city=city, name="Double")
    closed = RoomTypeFactory.create(hotel__city=city, name="Suite")
    room_nights(open_room, day, 3)
    nights = room_nights(closed, day, 3, price=Decimal("90.00"))
    RoomNight.objects.filter(pk=nights[1].pk).update(stop_sell=True)
    reindex()

    assert hotel_search(api_client, city, day, 3) == ["Double"]
    refused = hold(api_client, hotel_offer(closed, day, 3))
    assert refused.status_code == 409
    assert refused.json()["code"] == "sold-out"
    assert not Hold.objects.exists()
    assert set(
        RoomNight.objects.filter(room_type=closed).values_list("rooms_available", flat=True)
    ) == {10}


def test_a_stay_shorter_than_a_nights_minimum_is_not_offered_nor_held(api_client, day, reindex):
    city = CityFactory()
    room_type = RoomTypeFactory.create(hotel__city=city, name="Double")
    nights = room_nights(room_type, day, 4)
    RoomNight.objects.filter(pk=nights[1].pk).update(min_stay=3)
    reindex()

    assert hotel_search(api_client, city, day, 2) == []
    assert hotel_search(api_client, city, day, 3) == ["Double"]
    refused = hold(api_client, hotel_offer(room_type, day, 2))
    assert refused.status_code == 409
    assert refused.json()["code"] == "stay-too-short"
    assert not Hold.objects.exists()
    assert hold(api_client, hotel_offer(room_type, day, 3)).status_code == 201


def test_a_closed_car_day_is_not_offered_nor_held(api_client, day, reindex):
    lhr = AirportFactory.create(iata="LHR")
    car = RentalCarFactory.create(office__airport=lhr, model_name="VW Golf")
    days = car_days(car, day, 3)
    CarDay.objects.filter(pk=days[2].pk).update(stop_sell=True)
    reindex()

    response = api_client.get(
        "/api/cars/search",
        {"location": "LHR", "pick_up": day, "drop_off": day + timedelta(days=3)},
    )

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert hold(api_client, car_offer(car, day, 3)).status_code == 409


def test_a_closed_fare_is_not_offered_nor_held(api_client, day, reindex):
    origin = AirportFactory.create(iata="ORG", timezone="UTC")
    destination = AirportFactory.create(iata="DST", timezone="UTC")
    leaving = datetime.combine(day, time(9), tzinfo=UTC)
    closed = flight_fare(origin, destination, leaving, leg__flight_number="TG1")
    flight_fare(origin, destination, leaving + timedelta(hours=2), leg__flight_number="TG2")
    FlightFare.objects.filter(pk=closed.pk).update(stop_sell=True)
    reindex()

    response = api_client.get(
        "/api/flights/search", {"origin": "ORG", "destination": "DST", "date": day.isoformat()}
    )

    assert response.status_code == 200, response.json()
    flights = [o["outbound"]["legs"][0]["flight_number"] for o in response.json()["results"]]
    assert flights == ["TG2"]
    assert hold(api_client, flight_offer(closed)).status_code == 409
