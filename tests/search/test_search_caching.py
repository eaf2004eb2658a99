"""Search answers a CDN may keep (Cache-Control, Vary) and autocomplete's in-process cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from search.apis import places
from search.apis.common import today_anywhere
from search.services.indexing import sync_index
from tests.factories.catalog import AirportFactory, CityFactory
from tests.flows import assert_problem
from travelguru import results_cache as cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def london():
    city = CityFactory.create(name="London", country_code="GB")
    AirportFactory.create(iata="LHR", name="London Heathrow Airport", city=city)
    sync_index()
    return city


def _codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("path", "max_age"),
    [("/api/airports?q=lon", 300), ("/api/cities?q=lon", 300)],
)
def test_anonymous_autocomplete_may_be_cached_by_a_cdn(api_client, london, path, max_age):
    response = api_client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={max_age}"
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept", "Accept-Encoding", "Origin"} <= vary


def test_anonymous_hotel_search_is_cacheable_for_a_minute(api_client, london):
    day = today_anywhere() + timedelta(days=5)
    response = api_client.get(
        "/api/hotels/search",
        {"city": "London", "check_in": str(day), "check_out": str(day + timedelta(days=1))},
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"


def test_an_error_answer_is_never_cacheable(api_client, london):
    response = api_client.get("/api/hotels/search", {"city": "London"})  # no dates

    assert_problem(response, 400, "validation-error")
    assert "public" not in response.get("Cache-Control", "")


def test_a_request_with_credentials_is_not_shared(api_client, london, traveler):
    api_client.force_authenticate(traveler)
    response = api_client.get("/api/airports?q=lon", HTTP_AUTHORIZATION="Bearer x")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_repeated_autocomplete_is_answered_from_memory(api_client, london, monkeypatch):
    asked: list[str] = []
    real = places.airport_suggestions

    def spy(*, text: str):
        asked.append(text)
        return real(text=text)

    monkeypatch.setattr(places, "airport_suggestions", spy)
    first = api_client.get("/api/airports", {"q": "Lon"})
    again = api_client.get("/api/airports", {"q": "lon "})  # the same text once normalised

    assert _codes(first) == _codes(again) == ["LHR"]
    assert asked == ["Lon"]  # the engine was asked once
    places._suggestions.clear()
    cache.clear()  # the serialized pages (travelguru.results_cache) too
    api_client.get("/api/airports", {"q": "lon"})
    assert asked == ["Lon", "lon"]


def test_a_reindex_makes_cached_suggestions_unreachable(api_client, london):
    assert _codes(api_client.get("/api/airports", {"q": "lon"})) == ["LHR"]
    AirportFactory.create(iata="LCY", name="London City Airport", city=london)
    sync_index()

    assert sorted(_codes(api_client.get("/api/airports", {"q": "lon"}))) == ["LCY", "LHR"]


def test_the_cache_is_bounded_least_recently_used_out(monkeypatch):
    monkeypatch.setattr(places, "SUGGESTION_CACHE_SIZE", 2)
    calls: list[str] = []

    def fetch(text: str) -> list[str]:
        calls.append(text)
        return [text.upper()]

    assert places.cached_suggestions("city", "a", "t1", fetch) == ["A"]
    places.cached_suggestions("city", "b", "t1", fetch)
    places.cached_suggestions("city", "a", "t1", fetch)  # a is now the most recent
    places.cached_suggestions("city", "c", "t1", fetch)  # evicts b

    assert len(places._suggestions) == 2
    assert calls == ["a", "b", "c"]
    places.cached_suggestions("city", "b", "t1", fetch)
    assert calls == ["a", "b", "c", "b"]
    places.cached_suggestions("city", "a", "t2", fetch)  # another index: fetched again
    assert calls[-1] == "a"
