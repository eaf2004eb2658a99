"""Bad input to hotel, hotel-detail and car search: always a clear 400 naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from search.apis.common import today_anywhere
from tests.factories.catalog import AirportFactory, AmenityFactory, CityFactory, HotelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]

T = today_anywhere()
D = T + timedelta(days=10)


def iso(day) -> str:
    return day.isoformat()


def names_field(errors: dict, field: str) -> bool:
    """`errors` names the field itself or one element of it (`amenities.1`)."""
    return any(key == field or key.startswith(f"{field}.") for key in errors)


def hotel_query(**changes):
    query = {"city": "Paris", "check_in": iso(D), "check_out": iso(D + timedelta(days=2))}
    query.update(changes)
    return {k: v for k, v in query.items() if v is not None}


def car_query(**changes):
    query = {"location": "CDG", "pick_up": iso(D), "drop_off": iso(D + timedelta(days=3))}
    query.update(changes)
    return {k: v for k, v in query.items() if v is not None}


@pytest.fixture(autouse=True)
def places(reindex):
    paris = CityFactory.create(name="Paris")
    HotelFactory.create(city=paris)
    AirportFactory.create(iata="CDG", city=paris)
    AmenityFactory.create(code="wifi")
    reindex()


HOTEL_CASES = [
    (hotel_query(check_in=iso(T - timedelta(days=1))), "check_in"),
    (
        hotel_query(
            check_in=iso(T + timedelta(days=settings.INVENTORY_HORIZON_DAYS + 1)),
            check_out=iso(T + timedelta(days=settings.INVENTORY_HORIZON_DAYS + 2)),
        ),
        "check_in",
    ),  # fmt: skip
    (hotel_query(check_out=iso(D - timedelta(days=1))), "check_out"),
    (hotel_query(check_out=iso(D)), "check_out"),  # 0 nights
    (hotel_query(check_out=iso(D + timedelta(days=31))), "check_out"),
    (hotel_query(check_in="2026-02-30"), "check_in"),
    (hotel_query(check_in="tomorrow"), "check_in"),
    (hotel_query(check_in=None), "check_in"),
    (hotel_query(guests=0), "guests"),
    (hotel_query(guests=37), "guests"),
    (hotel_query(guests="two"), "guests"),
    (hotel_query(rooms=0), "rooms"),
    (hotel_query(rooms=10), "rooms"),
    (hotel_query(rooms=3, guests=2), "guests"),
    (hotel_query(city="Atlantis"), "city"),
    (hotel_query(city="x" * 101), "city"),
    (hotel_query(city=None), "city"),
    (hotel_query(lat="48.8", lon="2.3"), "city"),  # city and a point
    (hotel_query(city=None, lat="48.8"), "lon"),
    (hotel_query(city=None, lat="91", lon="2.3"), "lat"),
    (hotel_query(city=None, lat="48.8", lon="-181"), "lon"),
    (hotel_query(city=None, lat="48.8", lon="2.3", radius_km="0"), "radius_km"),
    (hotel_query(city=None, lat="48.8", lon="2.3", radius_km="101"), "radius_km"),
    (hotel_query(city=None, lat="nan", lon="2.3"), "lat"),
    (hotel_query(min_stars=0), "min_stars"),
    (hotel_query(min_stars=6), "min_stars"),
    (hotel_query(amenities="wifi,teleporter"), "amenities"),
    (hotel_query(amenities="wi fi!"), "amenities"),
    (hotel_query(min_price="-1"), "min_price"),
    (hotel_query(min_price="300", max_price="100"), "max_price"),
    (hotel_query(max_price="lots"), "max_price"),
    (hotel_query(q="x" * 101), "q"),
    (hotel_query(sort="cheapest"), "sort"),
    (hotel_query(page=0), "page"),
    (hotel_query(page_size=51), "page_size"),
]


DETAIL_CASES = [
    ({"check_in": iso(D)}, "check_out"),
    ({"check_out": iso(D)}, "check_in"),
    ({"check_in": iso(D), "check_out": iso(D)}, "check_out"),
    ({"check_in": iso(D), "check_out": iso(D + timedelta(days=40))}, "check_out"),
    ({"check_in": iso(T - timedelta(days=3)), "check_out": iso(D)}, "check_in"),
    ({"check_in": iso(D), "check_out": iso(D + timedelta(days=1)), "rooms": 0}, "rooms"),
]


@pytest.mark.parametrize(("params", "field"), DETAIL_CASES)
def test_hotel_detail_bad_input(api_client, params, field):
    hotel_id = HotelFactory.create().pk

    response = api_client.get(f"/api/hotels/{hotel_id}", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert names_field(response.json()["errors"], field), response.json()["errors"]


CAR_CASES = [
    (car_query(location="XXX"), "location"),
    (car_query(location="C1G"), "location"),
    (car_query(location="PARIS"), "location"),
    (car_query(location=None), "location"),
    (car_query(office="1"), "location"),  # an airport and an office
    (car_query(location=None, office="999999"), "office"),  # no such office
    (car_query(location=None, office="0"), "office"),
    (car_query(location=None, office="one"), "office"),
    (car_query(location=None, office="9" * 40), "office"),
    (car_query(pick_up=iso(T - timedelta(days=1))), "pick_up"),
    (car_query(drop_off=iso(D)), "drop_off"),  # same day
    (car_query(drop_off=iso(D - timedelta(days=2))), "drop_off"),
    (car_query(drop_off=iso(D + timedelta(days=31))), "drop_off"),
    (car_query(pick_up="31/12/2026"), "pick_up"),
    (car_query(car_class="spaceship"), "car_class"),
    (car_query(car_class="compact,tank"), "car_class"),
    (car_query(transmission="telepathic"), "transmission"),
    (car_query(sort="fastest"), "sort"),
    (car_query(page_size=0), "page_size"),
]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [("/api/hotels/search", params, field) for params, field in HOTEL_CASES]
    + [("/api/cars/search", params, field) for params, field in CAR_CASES],
)
def test_bad_search_input_is_a_400_problem_naming_the_field(api_client, url, params, field):
    response = api_client.get(url, params)

    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert names_field(response.json()["errors"], field), response.json()["errors"]
