"""The city a hotel search names ("Paris, FR") is asked of the search engine once per process
and name (`catalog.references.city_id_named`): with CloudSearch that question is a network
round trip on every hotel search. What is kept must never show a traveler the wrong city:
a name that meant nothing is asked again, a rename in the admin shows at once, one made
elsewhere within the TTL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog import references
from catalog.models import City
from search.apis.common import today_anywhere
from search.selectors import hotels as hotel_selectors
from tests.factories.catalog import CityFactory, RoomTypeFactory, room_nights
from travelguru import results_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=10)


@pytest.fixture
def asked(monkeypatch):
    """The city names the search engine was asked, in order."""
    names: list[str] = []
    real = hotel_selectors.get_engine

    class Counting:
        def __init__(self, engine):
            self._engine = engine

        def __getattr__(self, name):
            return getattr(self._engine, name)

        def destinations(self, **kwargs):
            names.append(kwargs["text"])
            return self._engine.destinations(**kwargs)

    monkeypatch.setattr(hotel_selectors, "get_engine", lambda: Counting(real()))
    return names


@pytest.fixture
def cities(day, reindex):
    """Two Londons (the biggest is the one a bare name means) and Paris, a hotel in each."""
    made = {
        "London GB": CityFactory.create(
            name="London", country_code="GB", population=8_900_000, timezone="Europe/London"
        ),
        "London CA": CityFactory.create(
            name="London", country_code="CA", population=400_000, timezone="America/Toronto"
        ),
        "Paris FR": CityFactory.create(name="Paris", country_code="FR", population=2_100_000),
    }
    for key, city in made.items():
        room_type = RoomTypeFactory.create(hotel__name=f"Hotel {key}", hotel__city=city)
        room_nights(room_type, day, 2)
    reindex()
    return made


def _hotels(client, city: str, day) -> list[str] | int:
    """The hotels a search for `city` lists, or its status when it is not 200."""
    results_cache.clear()  # each request searches: the kept name is the point, not the answer
    response = client.get(
        "/api/hotels/search",
        {"city": city, "check_in": day, "check_out": day + timedelta(days=2)},
    )
    if response.status_code != 200:
        return response.status_code
    return [hotel["name"] for hotel in response.json()["results"]]


def test_one_name_is_asked_once_however_it_is_spelled(api_client, cities, day, asked):
    found = [
        _hotels(api_client, spelled, day) for spelled in ("Paris, FR", "paris, fr", "PARIS,FR")
    ]

    assert found == [["Hotel Paris FR"]] * 3
    assert asked == ["Paris"]


def test_a_bare_name_and_a_country_are_kept_apart(api_client, cities, day, asked):
    assert _hotels(api_client, "London", day) == ["Hotel London GB"]
    assert _hotels(api_client, "London, CA", day) == ["Hotel London CA"]
    assert _hotels(api_client, "London", day) == ["Hotel London GB"]
    assert _hotels(api_client, "London, CA", day) == ["Hotel London CA"]
    assert asked == ["London", "London"]


def test_a_name_that_meant_no_city_is_asked_again(api_client, cities, day, reindex, asked):
    assert _hotels(api_client, "Lyon", day) == 400
    assert _hotels(api_client, "Lyon", day) == 400
    lyon = CityFactory.create(name="Lyon", country_code="FR")
    room_nights(RoomTypeFactory.create(hotel__name="Bellecour", hotel__city=lyon), day, 2)
    reindex()

    assert _hotels(api_client, "Lyon", day) == ["Bellecour"]
    assert asked == ["Lyon", "Lyon", "Lyon"]


def test_a_city_renamed_in_the_admin_is_found_by_its_new_name_at_once(
    api_client, admin_client, cities, day, reindex, django_capture_on_commit_callbacks
):
    paris = cities["Paris FR"]
    assert _hotels(api_client, "Paris", day) == ["Hotel Paris FR"]

    form = {
        field: getattr(paris, field)
        for field in ("geonameid", "country_code", "country_name", "latitude", "longitude",
                      "timezone", "population", "currency")
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/city/{paris.pk}/change/", {**form, "name": "Lutetia"}
        )
    assert response.status_code == 302
    reindex()

    assert _hotels(api_client, "Lutetia", day) == ["Hotel Paris FR"]
    assert _hotels(api_client, "Paris", day) == 400


def test_a_rename_made_by_another_process_shows_once_the_kept_name_is_old(
    api_client, cities, day, reindex, monkeypatch, asked
):
    assert _hotels(api_client, "Paris", day) == ["Hotel Paris FR"]
    # Another Lambda instance (or an import there) renames the city: nothing tells this one.
    City.objects.filter(pk=cities["Paris FR"].pk).update(name="Lutetia")
    reindex()
    now = references.time.monotonic()

    still = _hotels(api_client, "Paris", day)
    monkeypatch.setattr(
        references.time, "monotonic", lambda: now + references.REFERENCE_TTL_SECONDS + 1
    )
    later = _hotels(api_client, "Paris", day)

    assert still == ["Hotel Paris FR"]  # the kept name, for at most the TTL
    assert later == 400
    assert _hotels(api_client, "Lutetia", day) == ["Hotel Paris FR"]
    assert asked == ["Paris", "Paris", "Lutetia"]


def test_a_city_id_is_not_asked_of_the_engine(api_client, cities, day, asked):
    london_ca = cities["London CA"]

    assert _hotels(api_client, str(london_ca.pk), day) == ["Hotel London CA"]
    assert asked == []


def test_the_hotel_calendar_keeps_the_name_too(api_client, cities, day, asked):
    for _ in range(3):
        response = api_client.get(
            "/api/hotels/calendar",
            {"city": "London, GB", "check_in": day, "check_out": day + timedelta(days=2)},
        )
        assert response.status_code == 200, response.json()

    assert asked == ["London"]
