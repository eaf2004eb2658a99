"""Search answers cached in memory (travelguru.results_cache): a repeat is answered without
searching, and any change a traveler would notice in the answer shows in the very next search."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.services.holds import hold_expire_due
from catalog.models import RoomNight
from search.apis import hotels as hotels_api
from search.apis.common import today_anywhere
from search.services.indexing import sync_index
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory, room_nights
from travelguru import results_cache as cache
from travelguru.sql import Query

pytestmark = pytest.mark.django_db


@pytest.fixture
def check_in():
    return today_anywhere() + timedelta(days=10)


@pytest.fixture
def rome():
    return CityFactory.create(name="Rome", country_code="IT", currency="EUR")


@pytest.fixture
def last_room(rome, check_in):
    """One hotel in Rome with a single room left on each of two nights, indexed."""
    room_type = RoomTypeFactory.create(
        hotel=HotelFactory.create(name="Ultima", city=rome), capacity=2
    )
    room_nights(room_type, check_in, 2, price=Decimal("100.00"), rooms_total=1)
    sync_index(full=True)
    return room_type


@pytest.fixture
def searches(monkeypatch):
    """How many times the hotel search really ran."""
    ran: list[int] = []
    real = hotels_api.hotel_search

    def spy(search, **kwargs):
        ran.append(1)
        return real(search, **kwargs)

    monkeypatch.setattr(hotels_api, "hotel_search", spy)
    return ran


def search(client, check_in, **params):
    response = client.get(
        "/api/hotels/search",
        {"city": "Rome", "check_in": check_in, "check_out": check_in + timedelta(days=2),
         **params},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    return response.json()


def hold(client, offer_id):
    response = client.post("/api/holds", {"items": [{"offer_id": offer_id}]}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_same_search_asked_again_is_answered_without_searching(
    api_client, last_room, check_in, searches
):
    first = search(api_client, check_in)
    # the same query, spelt differently: parameter order, case, defaults given
    again = api_client.get(
        f"/api/hotels/search?check_out={check_in + timedelta(days=2)}&city=%20rome"
        f"&check_in={check_in}&guests=2&rooms=1&sort=price"
    ).json()

    assert len(searches) == 1
    assert again["results"] == first["results"]
    assert again["count"] == first["count"] == 1


def test_links_are_built_for_each_request_not_taken_from_the_cache(
    api_client, rome, check_in, searches, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]
    for n in range(3):
        room_nights(
            RoomTypeFactory.create(hotel=HotelFactory.create(city=rome, name=f"H{n}")), check_in, 2
        )
    sync_index(full=True)

    first = api_client.get(
        "/api/hotels/search",
        {"city": "Rome", "check_in": check_in, "check_out": check_in + timedelta(days=2),
         "page_size": 1, "page": 2},
    ).json()  # fmt: skip
    again = api_client.get(
        f"/api/hotels/search?page=2&page_size=1&check_out={check_in + timedelta(days=2)}"
        f"&check_in={check_in}&city=Rome",
        HTTP_HOST="other.example",
    ).json()

    assert len(searches) == 1
    assert first["next"].startswith("http://testserver/")
    assert again["next"].startswith("http://other.example/")
    assert "page=3" in again["next"]
    assert "page=" not in again["previous"]  # page 1 is the link without a page
    assert again["results"] == first["results"]


def test_booking_the_last_room_hides_it_from_the_next_identical_search(
    api_client, client_of, last_room, check_in, django_capture_on_commit_callbacks
):
    # given a search answered, and cached
    offer = search(api_client, check_in)["results"][0]["cheapest"]
    assert search(api_client, check_in)["count"] == 1

    # when a traveler holds the last room (and the hold commits)
    with django_capture_on_commit_callbacks(execute=True):
        hold(client_of(UserFactory.create()), offer["offer_id"])

    # then the next identical search no longer offers it
    assert search(api_client, check_in)["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_booking_shows_in_the_next_search(api_client, client_of, last_room, check_in):
    """Real commits (no test transaction around them): the hold's on_commit bumps the
    version in the shared cache, the one thing every process reads."""
    offer = search(api_client, check_in)["results"][0]["cheapest"]
    traveler = UserFactory.create()
    held = hold(client_of(traveler), offer["offer_id"])
    booked = client_of(traveler).post(
        "/api/bookings",
        {"hold_id": held["id"], "payment_token": "tok_visa",
         "travelers": [{"first_name": "Ada", "last_name": "Lovelace"},
                       {"first_name": "Alan", "last_name": "Turing"}]},
        format="json", HTTP_IDEMPOTENCY_KEY="results-cache-1",
    )  # fmt: skip
    assert booked.status_code == 201, booked.json()
    assert search(api_client, check_in)["count"] == 0  # the answer cached first is unreachable


def test_an_expired_hold_gives_the_room_back_to_the_next_search(
    api_client, client_of, last_room, check_in, django_capture_on_commit_callbacks
):
    offer = search(api_client, check_in)["results"][0]["cheapest"]
    with django_capture_on_commit_callbacks(execute=True):
        hold(client_of(UserFactory.create()), offer["offer_id"])
    assert search(api_client, check_in)["count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        hold_expire_due(now=timezone.now() + timedelta(hours=1))

    assert search(api_client, check_in)["count"] == 1


def test_nothing_changes_for_the_cache_until_the_change_commits(
    api_client, client_of, last_room, check_in, django_capture_on_commit_callbacks
):
    """Before the commit the old answer is still the truth for everyone else."""
    offer = search(api_client, check_in)["results"][0]["cheapest"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hold(client_of(UserFactory.create()), offer["offer_id"])
        stale = search(api_client, check_in)["count"]
    for callback in callbacks:
        callback()  # the commit

    assert stale == 1  # answered from the cache: the version was not bumped yet
    assert search(api_client, check_in)["count"] == 0


def test_a_price_edited_in_the_admin_shows_in_the_next_search(
    api_client, admin_client, last_room, check_in, django_capture_on_commit_callbacks
):
    assert search(api_client, check_in)["results"][0]["cheapest"]["price"]["amount"] == "200.00"
    night = RoomNight.objects.get(room_type=last_room, date=check_in)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/roomnight/{night.pk}/change/",
            {"room_type": last_room.pk, "date": check_in, "price": "150.00",
             "rooms_total": 1, "rooms_available": 1, "min_stay": 1},
        )  # fmt: skip
    assert response.status_code == 302

    assert search(api_client, check_in)["results"][0]["cheapest"]["price"]["amount"] == "250.00"


def test_a_reindex_shows_a_new_hotel_in_the_next_search(api_client, rome, last_room, check_in):
    assert search(api_client, check_in)["count"] == 1
    room_nights(
        RoomTypeFactory.create(hotel=HotelFactory.create(name="Nuovo", city=rome)), check_in, 2
    )
    assert search(api_client, check_in)["count"] == 1  # not indexed yet: the cached answer

    sync_index()

    assert [h["name"] for h in search(api_client, check_in)["results"]] == ["Ultima", "Nuovo"]


def test_a_lost_version_only_costs_a_miss(api_client, last_room, check_in, searches):
    from travelguru.models import ResultsVersion

    search(api_client, check_in)
    ResultsVersion.objects.all().delete()  # a flushed table
    search(api_client, check_in)
    search(api_client, check_in)

    assert len(searches) == 2


def test_a_change_costs_one_statement_after_its_commit(
    api_client, client_of, last_room, check_in, django_capture_on_commit_callbacks
):
    """Every hold bumps the version: one UPDATE, not the database cache's six round trips."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    offer = search(api_client, check_in)["results"][0]["cheapest"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hold(client_of(UserFactory.create()), offer["offer_id"])

    with CaptureQueriesContext(connection) as bump:
        for callback in callbacks:
            callback()  # the commit

    versions = [q["sql"] for q in bump.captured_queries if "resultsversion" in q["sql"]]
    assert [sql.split()[0] for sql in versions] == ["UPDATE"]
    assert search(api_client, check_in)["count"] == 0


def test_a_version_that_cannot_be_read_answers_uncached(
    api_client, last_room, check_in, searches, monkeypatch
):
    broken = Query(
        "SELECT no_such_column FROM search_resultsversion", cache._version_query().select
    )
    monkeypatch.setattr(cache, "_version_query", lambda: broken)

    first = search(api_client, check_in)
    second = search(api_client, check_in)

    assert first["count"] == second["count"] == 1
    assert len(searches) == 2  # every search really ran


def test_an_answer_is_kept_no_longer_than_it_holds(monkeypatch):
    computed: list[str] = []

    def compute(ttl):
        def run():
            computed.append("x")
            return {"n": len(computed)}, ttl

        return run

    assert cache.cached("flight", "departed", compute(0.0)) == ({"n": 1}, False)
    assert cache.cached("flight", "departed", compute(0.0)) == ({"n": 2}, False)
    assert cache.cached("flight", "later", compute(None)) == ({"n": 3}, False)
    assert cache.cached("flight", "later", compute(None)) == ({"n": 3}, True)
    now = __import__("time").monotonic()
    monkeypatch.setattr(cache.time, "monotonic", lambda: now + cache.RESULT_TTL_SECONDS + 1)
    assert cache.cached("flight", "later", compute(None)) == ({"n": 4}, False)


def test_the_answers_kept_are_bounded_least_recently_used_out(monkeypatch):
    monkeypatch.setattr(cache, "RESULT_CACHE_SIZE", 2)

    def answer(value):
        return lambda: (value, None)

    cache.cached("car", "a", answer("A"))
    cache.cached("car", "b", answer("B"))
    cache.cached("car", "a", answer("A2"))  # a is now the most recent
    cache.cached("car", "c", answer("C"))  # evicts b

    assert cache.cached("car", "a", answer("A3")) == ("A", True)
    assert cache.cached("car", "b", answer("B2")) == ("B2", False)
