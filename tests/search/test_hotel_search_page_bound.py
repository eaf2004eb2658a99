"""Hotel search reads every match only for what the count, facets and order need; what a
result shows (the hotel's row, its room types, amenity names, offers) is read for the page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.local_time import local_instant, stay_sold_until
from catalog.models import Hotel, RoomType
from search.apis.common import today_anywhere
from search.engines.base import HotelQuery
from search.engines.local import LocalEngine, haversine_km
from search.selectors.hotels import (
    HotelSearch,
    Stay,
    hotel_answer_true_until,
    hotel_results,
    hotel_search,
)
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory, room_nights

pytestmark = pytest.mark.django_db

NIGHTS = 2


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=10)


@pytest.fixture
def rome():
    return CityFactory.create(
        name="Rome", country_code="IT", latitude=41.9028, longitude=12.4964,
        timezone="Europe/Rome",
    )  # fmt: skip


def _hotels(city, day, count, **hotel):
    """`count` hotels with one free room type each, the n-th costing 100 + n a night."""
    made = []
    for i in range(count):
        room_type = RoomTypeFactory.create(
            hotel=HotelFactory.create(city=city, name=f"Hotel {i:02}", **hotel), capacity=2
        )
        room_nights(room_type, day, NIGHTS, price=Decimal(100 + i))
        made.append(room_type.hotel)
    return made


def _stay(day) -> Stay:
    return Stay(check_in=day, check_out=day + timedelta(days=NIGHTS), guests=2, rooms=1)


def _statements_naming(captured, column: str) -> list[str]:
    return [q["sql"] for q in captured if column in q["sql"]]


def _in_ids(sql: str) -> set[int]:
    """The numbers of a statement's `IN (...)` list."""
    (listed,) = re.findall(r"IN \(([\d, ]+)\)", sql)
    return {int(n) for n in listed.split(",")}


@pytest.mark.usefixtures("search_engine")
def test_a_page_reads_the_rows_and_amenities_of_its_own_hotels_only(api_client, rome, day, reindex):
    # given twelve hotels with a free room, shown five to a page
    hotels = _hotels(rome, day, 12, amenities=["wifi"])
    reindex()
    params = {
        "city": rome.pk, "check_in": day, "check_out": day + timedelta(days=NIGHTS),
        "page_size": 5, "sort": "price",
    }  # fmt: skip

    # when the first page is asked
    with CaptureQueriesContext(connection) as captured:
        body = api_client.get("/api/hotels/search", params).json()

    # then it counts every match, and shows the five cheapest
    assert body["count"] == 12
    assert body["facets"] == {"stars": {"3": 12}, "amenities": {"wifi": 12}}
    assert [h["name"] for h in body["results"]] == [h.name for h in hotels[:5]]
    # and the hotels' addresses (what only a result shows) are read for those five only
    queries = captured.captured_queries
    (shown,) = _statements_naming(queries, "address")
    assert _in_ids(shown) == {h.room_types.get().pk for h in hotels[:5]}
    (amenities,) = _statements_naming(queries, "hotel_amenities")
    assert _in_ids(amenities) == {h.pk for h in hotels[:5]}


def test_a_hotel_removed_after_the_search_is_left_off_its_page_not_shown_empty(rome, day, reindex):
    # given a search that found two hotels
    gone, kept = _hotels(rome, day, 2)
    reindex()
    now = datetime.now(UTC)
    found = hotel_search(HotelSearch(stay=_stay(day), city_id=rome.pk), now=now)
    assert [m.hotel_id for m in found.hotels] == [gone.pk, kept.pk]

    # when one is deleted before its page is built
    Hotel.objects.filter(pk=gone.pk).delete()
    results = hotel_results(found.hotels, _stay(day), now=now)

    # then the page shows the other one, with its offer
    assert [(r.hotel.name, len(r.offers)) for r in results] == [(kept.name, 1)]


def test_a_free_cancellation_ending_off_the_page_does_not_shorten_the_answers_life(
    rome, day, reindex
):
    # given a cheap hotel without free cancellation (shown) and a dearer one whose free
    # cancellation ends before the check-in day does (not shown)
    shown, off_page = _hotels(rome, day, 2, free_cancellation_days=None)
    Hotel.objects.filter(pk=off_page.pk).update(free_cancellation_days=3, check_in_time=time(15, 0))
    reindex()
    now = datetime.now(UTC)
    found = hotel_search(HotelSearch(stay=_stay(day), city_id=rome.pk), now=now)
    page = hotel_results(found.hotels[:1], _stay(day), now=now)

    # when the answer's lifetime is worked out for that page
    until = hotel_answer_true_until(found.hotels, page, _stay(day))
    with_both = hotel_answer_true_until(
        found.hotels, hotel_results(found.hotels, _stay(day), now=now), _stay(day)
    )

    # then only the shown page's promises count: the check-in day's end, not the deadline
    assert [r.hotel.name for r in page] == [shown.name]
    assert until == stay_sold_until(check_in=day, tz_name="Europe/Rome")
    assert with_both == local_instant(day - timedelta(days=3), time(15, 0), "Europe/Rome")


def test_the_local_engine_reads_a_city_s_hotels_and_its_centre_in_one_query(rome, reindex):
    # given two hotels of a city, one at its centre and one about 5 km east
    near = HotelFactory.create(city=rome, latitude=41.9028, longitude=12.4964)
    far = HotelFactory.create(city=rome, latitude=41.9028, longitude=12.5568)
    reindex()

    # when the engine is asked for the city's hotels
    with CaptureQueriesContext(connection) as captured:
        hits = LocalEngine().hotels(HotelQuery(city_id=rome.pk))

    # then one statement answers, distances are from the centre, nearest first
    assert len(captured.captured_queries) == 1
    expected = round(haversine_km(41.9028, 12.4964, 41.9028, 12.5568), 2)
    assert [(h.hotel_id, h.distance_km) for h in hits] == [(near.pk, 0.0), (far.pk, expected)]


@pytest.mark.usefixtures("search_engine")
def test_room_types_not_free_are_not_read_for_the_page(api_client, rome, day, reindex):
    # given a hotel with a free room type and one sold out
    (hotel,) = _hotels(rome, day, 1)
    sold_out = RoomTypeFactory.create(hotel=hotel, name="Sold out", capacity=2)
    room_nights(sold_out, day, NIGHTS, rooms_available=0)
    reindex()

    with CaptureQueriesContext(connection) as captured:
        body = api_client.get(
            "/api/hotels/search",
            {"city": rome.pk, "check_in": day, "check_out": day + timedelta(days=NIGHTS)},
        ).json()

    assert [o["room_type"]["name"] for o in body["results"][0]["offers"]] == [
        RoomType.objects.exclude(pk=sold_out.pk).get(hotel=hotel).name
    ]
    (shown,) = _statements_naming(captured.captured_queries, "address")
    assert _in_ids(shown) == {hotel.room_types.exclude(pk=sold_out.pk).get().pk}
