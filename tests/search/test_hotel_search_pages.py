"""Hotel search pages hotels before building offers: every page, read in turn, is exactly the
list a brute-force search over every room of the city gives (filters, prices, order, facets).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import Hotel, RoomNight
from search.apis.common import today_anywhere
from search.engines.local import haversine_km
from search.services.indexing import sync_index
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory
from travelguru import results_cache as cache
from travelguru.money import quantize

pytestmark = pytest.mark.django_db

NIGHTS = 3

room_type_st = st.fixed_dictionaries(
    {
        "capacity": st.sampled_from([2, 4, 1, 3]),
        "published": st.sampled_from([True, True, True, False]),
        # per night: rooms left (None: no inventory row), price
        "nights": st.lists(
            st.tuples(st.sampled_from([3, 2, 3, 1, 0, None]), st.sampled_from([50, 60, 75])),
            min_size=NIGHTS,
            max_size=NIGHTS,
        ),
    }
)
hotel_st = st.fixed_dictionaries(
    {
        "stars": st.integers(1, 5),
        "published": st.sampled_from([True, True, True, False]),
        "latitude": st.floats(41.85, 41.95),
        "longitude": st.floats(12.45, 12.55),
        "room_types": st.lists(room_type_st, min_size=1, max_size=3),
    }
)
query_st = st.fixed_dictionaries(
    {
        "nights": st.integers(1, NIGHTS),
        "rooms": st.integers(1, 2),
        "extra_guests": st.integers(0, 2),
        "sort": st.sampled_from(["price", "-price", "rating", "distance", "stars"]),
        "min_stars": st.sampled_from([None, None, 2, 4]),
        "min_price": st.sampled_from([None, None, None, 55, 70]),
        "max_price": st.sampled_from([None, None, None, 60, 150]),
        "page_size": st.integers(1, 4),
    }
)


def _brute_force(city, check_in, q):
    """Every published room of the city, priced night by night, then filtered and sorted."""
    nights = q["nights"]
    rooms = q["rooms"]
    guests = rooms + q["extra_guests"]
    dates = [check_in + timedelta(days=i) for i in range(nights)]
    found = []
    for hotel in Hotel.objects.filter(city=city, is_published=True).order_by("name", "pk"):
        if q["min_stars"] and hotel.stars < q["min_stars"]:
            continue
        offers = []
        for room_type in hotel.room_types.filter(is_published=True):
            if room_type.capacity < math.ceil(guests / rooms):
                continue
            rows = {n.date: n for n in RoomNight.objects.filter(room_type=room_type)}
            if not all(d in rows and rows[d].rooms_available >= rooms for d in dates):
                continue
            total = quantize(sum(rows[d].price for d in dates) * rooms, hotel.currency)
            available = min(rows[d].rooms_available for d in dates)
            offers.append((total, room_type.capacity, room_type.pk, available))
        if not offers:
            continue
        offers.sort()
        per_night = quantize(offers[0][0] / nights, hotel.currency)
        if q["min_price"] is not None and per_night < q["min_price"]:
            continue
        if q["max_price"] is not None and per_night > q["max_price"]:
            continue
        distance = round(
            haversine_km(city.latitude, city.longitude, hotel.latitude, hotel.longitude), 2
        )
        found.append((hotel, offers, distance))
    cheapest = lambda f: f[1][0][0]  # noqa: E731
    keys = {
        "price": lambda f: (cheapest(f), f[0].pk),
        "-price": lambda f: (-cheapest(f), f[0].pk),
        "rating": lambda f: cheapest(f),  # nobody is rated: by price, ties by name
        "distance": lambda f: (f[2], f[0].pk),
        "stars": lambda f: (-f[0].stars, cheapest(f)),
    }
    found.sort(key=keys[q["sort"]])
    return found


@settings(max_examples=60)
@given(hotels=st.lists(hotel_st, min_size=2, max_size=6), q=query_st)
def test_every_page_is_the_brute_force_answer_in_order(api_client, hotels, q):
    # given a city's hotels, rooms and nights as generated, indexed
    city = CityFactory.create(name="Roma", country_code="IT", currency="EUR",
                       latitude=41.9, longitude=12.5)  # fmt: skip
    check_in = today_anywhere() + timedelta(days=5)
    # Distinct lower-case names: the database's name order is Python's on them.
    names = [f"hotel {chr(ord('a') + i)}" for i in range(len(hotels))][::-1]
    for name, spec in zip(names, hotels, strict=True):
        hotel = HotelFactory.create(
            name=name, city=city, stars=spec["stars"], is_published=spec["published"],
            latitude=spec["latitude"], longitude=spec["longitude"], currency="EUR",
        )  # fmt: skip
        for rt in spec["room_types"]:
            room_type = RoomTypeFactory.create(
                hotel=hotel, capacity=rt["capacity"], is_published=rt["published"]
            )
            RoomNight.objects.bulk_create(
                RoomNight(room_type=room_type, city=city, date=check_in + timedelta(days=i),
                          price=Decimal(price), rooms_total=3, rooms_available=left)
                for i, (left, price) in enumerate(rt["nights"]) if left is not None
            )  # fmt: skip
    sync_index(full=True)
    cache.clear()
    params = {
        "city": city.pk, "check_in": check_in,
        "check_out": check_in + timedelta(days=q["nights"]),
        "rooms": q["rooms"], "guests": q["rooms"] + q["extra_guests"], "sort": q["sort"],
        "page_size": q["page_size"],
        **{k: q[k] for k in ("min_stars", "min_price", "max_price") if q[k] is not None},
    }  # fmt: skip
    if "min_price" in params and "max_price" in params and q["min_price"] > q["max_price"]:
        params.pop("max_price")
        q = {**q, "max_price": None}

    # when every page is read in turn
    shown, page, first = [], 1, None
    while True:
        response = api_client.get("/api/hotels/search", {**params, "page": page})
        assert response.status_code == 200, response.json()
        body = response.json()
        first = first or body
        shown += body["results"]
        if body["next"] is None:
            break
        page += 1

    # then they are the brute-force list: same hotels, order, offers, prices and facets
    expected = _brute_force(city, check_in, q)
    assert first["count"] == len(expected) == len(shown)
    assert [h["id"] for h in shown] == [hotel.pk for hotel, _, _ in expected]
    for result, (hotel, offers, distance) in zip(shown, expected, strict=True):
        assert [
            (Decimal(o["price"]["amount"]), o["room_type"]["capacity"], o["room_type"]["id"],
             o["available"])
            for o in result["offers"]
        ] == offers  # fmt: skip
        assert result["cheapest"] == result["offers"][0]
        assert result["distance_km"] == distance
        assert result["stars"] == hotel.stars
    stars = Counter(str(hotel.stars) for hotel, _, _ in expected)
    assert first["facets"]["stars"] == {k: stars[k] for k in sorted(stars, reverse=True)}
    city.hotels.all().delete()
    city.delete()
