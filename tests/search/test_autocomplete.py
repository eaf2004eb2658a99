"""GET /api/airports and /api/cities: what a traveler typing in a search box gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.services.indexing import sync_index
from tests.factories.catalog import AirportFactory, CityFactory
from travelguru.text import fold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def places():
    london = CityFactory.create(
        name="London", country_code="GB", country_name="United Kingdom", population=8_961_989
    )
    new_york = CityFactory.create(
        name="New York City", country_code="US", country_name="United States",
        population=8_804_190,
    )  # fmt: skip
    zurich = CityFactory.create(
        name="Zürich", country_code="CH", country_name="Switzerland", population=341_730
    )
    AirportFactory.create(iata="LHR", name="London Heathrow Airport", city=london, traffic_rank=2)
    AirportFactory.create(iata="LCY", name="London City Airport", city=london)
    AirportFactory.create(iata="JFK", name="John F Kennedy International Airport", city=new_york,
                   traffic_rank=5)  # fmt: skip
    AirportFactory.create(iata="ZRH", name="Zurich Airport", city=zurich, traffic_rank=40)
    # A small airport whose *name* happens to start with "jfk"-like letters elsewhere.
    AirportFactory.create(iata="LON", name="Longyear Airport", city__name="Longyearbyen")
    sync_index()


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


def test_exact_code_comes_first(api_client, places):
    response = api_client.get("/api/airports", {"q": "lon"})

    assert response.status_code == 200
    # The airport whose code is LON first, then London's airports, busiest first.
    assert codes(response)[:3] == ["LON", "LHR", "LCY"]


def test_city_name_finds_its_airports(api_client, places):
    response = api_client.get("/api/airports", {"q": "new york"})

    assert codes(response) == ["JFK"]
    first = response.json()["results"][0]
    assert first["city"] == "New York City"
    assert first["timezone"] == "Europe/Paris" or first["timezone"]  # the airport's own zone


def test_accents_and_case_do_not_matter(api_client, places):
    assert codes(api_client.get("/api/airports", {"q": "ZÜRI"})) == ["ZRH"]
    cities = api_client.get("/api/cities", {"q": "zurich"}).json()["results"]
    assert [c["name"] for c in cities] == ["Zürich"]
    assert cities[0]["airports"] == ["ZRH"]


def test_city_autocomplete_ranks_big_cities_first(api_client, places):
    CityFactory.create(name="Londrina", country_code="BR", population=575_377)
    AirportFactory.create(iata="LDB", city__name="Londrina")
    sync_index()

    names = [c["name"] for c in api_client.get("/api/cities", {"q": "lond"}).json()["results"]]

    assert names[:2] == ["London", "Londrina"]


def test_nothing_matches(api_client, places):
    response = api_client.get("/api/airports", {"q": "qqqq"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "lon", "page_size": 51}, "page_size"),
        ({"q": "lon", "page_size": 0}, "page_size"),
        ({"q": "lon", "page": "first"}, "page"),
    ],
)
@pytest.mark.parametrize("path", ["/api/airports", "/api/cities"])
def test_bad_input_is_a_clear_400(api_client, path, params, field):
    response = api_client.get(path, params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_queries_do_not_grow_with_results(api_client, places, django_assert_max_num_queries):
    for n in range(30):
        AirportFactory.create(name=f"Londonderry Field {n}", city__name=f"Derry {n}")
    sync_index()

    with django_assert_max_num_queries(3):
        response = api_client.get("/api/airports", {"q": "lond", "page_size": 50})
    assert response.json()["count"] == 32


@given(st.sampled_from(["São Paulo", "Zürich", "Kraków", "Reykjavík", "Düsseldorf", "Málaga"]),
       st.integers(min_value=1, max_value=6))  # fmt: skip
def test_any_typed_prefix_of_a_city_finds_it(api_client, name, length):
    city = CityFactory.create(name=name, population=1_000_000)
    AirportFactory.create(city=city)
    sync_index()
    typed = name[:length]

    found = [c["name"] for c in api_client.get("/api/cities", {"q": typed}).json()["results"]]

    if fold(typed):
        assert name in found
