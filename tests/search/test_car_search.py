"""GET /api/cars/search: cars free for the whole rental at an airport."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from catalog.models import CarClass, Transmission
from search.apis.common import today_anywhere
from search.offers import CarOffer, offer_decode
from tests.factories.catalog import (
    AirportFactory,
    RentalCarFactory,
    RentalOfficeFactory,
    car_days,
)
from travelguru import results_cache as cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=7)


@pytest.fixture
def lhr():
    return AirportFactory.create(iata="LHR")


def search(client, airport, day, days=3, **extra):
    params = {"location": airport.iata, "pick_up": day, "drop_off": day + timedelta(days=days)}
    response = client.get("/api/cars/search", {**params, **extra})
    assert response.status_code == 200, response.json()
    return response.json()


def models_of(body) -> list[str]:
    return [r["car"]["model_name"] for r in body["results"]]


def test_a_car_sold_out_on_one_day_is_not_offered(api_client, lhr, day, reindex):
    office = RentalOfficeFactory.create(airport=lhr, vendor__name="Hertz", currency="GBP")
    golf = RentalCarFactory.create(office=office, model_name="VW Golf")
    polo = RentalCarFactory.create(office=office, model_name="VW Polo", car_class=CarClass.ECONOMY)
    car_days(golf, day, 3)
    days = car_days(polo, day, 3)
    days[2].cars_available = 0
    days[2].save()
    reindex()

    assert models_of(search(api_client, lhr, day)) == ["VW Golf or similar"]


def test_price_is_the_sum_of_the_days_in_local_money(api_client, lhr, day, reindex):
    car = RentalCarFactory.create(office__airport=lhr, office__currency="GBP")
    for i, price in enumerate(["40.00", "42.50", "55.25"]):
        car_days(car, day + timedelta(days=i), 1, price=Decimal(price), cars_available=2)
    reindex()

    offer = search(api_client, lhr, day)["results"][0]

    assert offer["price"] == {"amount": "137.75", "currency": "GBP"}
    assert offer["price_per_day"] == {"amount": "45.92", "currency": "GBP"}
    assert offer["days"] == 3
    assert offer["available"] == 2
    decoded = offer_decode(offer["offer_id"])
    assert isinstance(decoded, CarOffer)
    assert decoded.car_id == car.pk
    quote = api_client.get(f"/api/offers/{offer['offer_id']}").json()
    assert quote["price"] == offer["price"]


def test_class_and_transmission_filters_and_sorts(api_client, lhr, day, reindex):
    office = RentalOfficeFactory.create(airport=lhr)
    for car_class, model, transmission, price in [
        (CarClass.SUV, "Toyota RAV4", Transmission.AUTOMATIC, "80.00"),
        (CarClass.MINI, "Fiat 500", Transmission.MANUAL, "30.00"),
        (CarClass.COMPACT, "VW Golf", Transmission.MANUAL, "45.00"),
    ]:
        car = RentalCarFactory.create(
            office=office, car_class=car_class, model_name=model, transmission=transmission
        )
        car_days(car, day, 3, price=Decimal(price))
    reindex()

    assert models_of(search(api_client, lhr, day)) == [
        "Fiat 500 or similar",
        "VW Golf or similar",
        "Toyota RAV4 or similar",
    ]
    assert models_of(search(api_client, lhr, day, car_class="suv,compact", sort="-price")) == [
        "Toyota RAV4 or similar",
        "VW Golf or similar",
    ]
    assert models_of(search(api_client, lhr, day, transmission="automatic")) == [
        "Toyota RAV4 or similar"
    ]


def test_only_the_asked_airport_and_published_cars(api_client, lhr, day, reindex):
    car_days(RentalCarFactory.create(office__airport=lhr, model_name="Shown"), day, 3)
    car_days(
        RentalCarFactory.create(office__airport__iata="LGW", model_name="Other airport"), day, 3
    )
    car_days(
        RentalCarFactory.create(office__airport=lhr, model_name="Hidden", is_published=False),
        day,
        3,
    )
    hidden_office = RentalOfficeFactory.create(airport=lhr, is_published=False)
    car_days(RentalCarFactory.create(office=hidden_office, model_name="Closed office"), day, 3)
    reindex()

    assert models_of(search(api_client, lhr, day)) == ["Shown or similar"]


def test_an_airport_without_offices_answers_an_empty_page(api_client, lhr, day, reindex):
    reindex()

    assert search(api_client, lhr, day)["count"] == 0


@pytest.mark.parametrize("cars", [2, 20])
def test_queries_do_not_grow_with_results(
    api_client, lhr, day, reindex, cars, django_assert_max_num_queries
):
    for _ in range(cars):
        car_days(RentalCarFactory.create(office=RentalOfficeFactory.create(airport=lhr)), day, 3)
    reindex()

    # the search cache's version, airport, offices, free days, cars, vendor ratings, index
    # freshness
    with django_assert_max_num_queries(7):
        body = search(api_client, lhr, day, page_size=50)
    assert body["count"] == cars


def test_two_or_twenty_cars_cost_the_same_queries(api_client, lhr, day, reindex):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_a_search() -> tuple[int, int]:
        cache.clear()  # the search itself, not its cached answer
        with CaptureQueriesContext(connection) as context:
            body = search(api_client, lhr, day, page_size=50)
        return body["count"], len(context.captured_queries)

    for _ in range(2):
        car_days(RentalCarFactory.create(office=RentalOfficeFactory.create(airport=lhr)), day, 3)
    reindex()
    few = queries_for_a_search()
    for _ in range(18):
        car_days(RentalCarFactory.create(office=RentalOfficeFactory.create(airport=lhr)), day, 3)
    reindex()
    many = queries_for_a_search()

    assert (few[0], many[0]) == (2, 20)
    assert few[1] == many[1]


def test_search_by_one_office_offers_only_its_cars(api_client, lhr, day, reindex):
    hertz = RentalOfficeFactory.create(airport=lhr, vendor__name="Hertz")
    avis = RentalOfficeFactory.create(airport=lhr, vendor__name="Avis")
    car_days(RentalCarFactory.create(office=hertz, model_name="VW Golf"), day, 3)
    car_days(RentalCarFactory.create(office=avis, model_name="VW Polo"), day, 3)
    reindex()

    response = api_client.get(
        "/api/cars/search",
        {"office": avis.pk, "pick_up": day, "drop_off": day + timedelta(days=3)},
    )

    assert response.status_code == 200
    body = response.json()
    assert models_of(body) == ["VW Polo or similar"]
    assert body["results"][0]["office"]["id"] == avis.pk
    assert len(models_of(search(api_client, lhr, day))) == 2  # the airport has both


def test_a_stale_index_never_rents_out_a_closed_office(api_client, lhr, day, reindex):
    open_office = RentalOfficeFactory.create(airport=lhr)
    closed = RentalOfficeFactory.create(airport=lhr)
    car_days(RentalCarFactory.create(office=open_office, model_name="VW Golf"), day, 3)
    car_days(RentalCarFactory.create(office=closed, model_name="VW Polo"), day, 3)
    reindex()

    closed.is_published = False
    closed.save()

    assert models_of(search(api_client, lhr, day)) == ["VW Golf or similar"]
