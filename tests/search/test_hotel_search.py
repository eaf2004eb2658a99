"""GET /api/hotels/search: hotels with a room free on every night, priced for the stay."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import RoomNight
from search.apis.common import today_anywhere
from search.offers import HotelOffer, offer_decode
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory, room_nights
from travelguru import results_cache as cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=10)


@pytest.fixture
def paris():
    return CityFactory.create(name="Paris", country_code="FR", latitude=48.8566, longitude=2.3522)


def search(client, **params):
    response = client.get("/api/hotels/search", params)
    assert response.status_code == 200, response.json()
    return response.json()


def names(body) -> list[str]:
    return [h["name"] for h in body["results"]]


def stay(day, nights=3, **extra):
    return {"check_in": day, "check_out": day + timedelta(days=nights), **extra}


def test_a_room_sold_out_on_one_night_is_not_offered(api_client, paris, day, reindex):
    hotel = HotelFactory.create(name="Le Marais", city=paris)
    double = RoomTypeFactory.create(hotel=hotel, name="Double room")
    suite = RoomTypeFactory.create(hotel=hotel, name="Suite")
    room_nights(double, day, 3, price=Decimal("100.00"))
    nights = room_nights(suite, day, 3, price=Decimal("90.00"))
    nights[1].rooms_available = 0
    nights[1].save()
    reindex()

    body = search(api_client, city=paris.pk, **stay(day))

    offers = body["results"][0]["offers"]
    assert [o["room_type"]["name"] for o in offers] == ["Double room"]


def test_a_hotel_without_a_free_room_is_not_listed(api_client, paris, day, reindex):
    full = RoomTypeFactory.create(hotel__name="Full House", hotel__city=paris)
    room_nights(full, day, 3, rooms_available=0)
    missing = RoomTypeFactory.create(hotel__name="Closes Early", hotel__city=paris)
    room_nights(missing, day, 2)  # no inventory for the third night
    free = RoomTypeFactory.create(hotel__name="Open Doors", hotel__city=paris)
    room_nights(free, day, 3)
    reindex()

    assert names(search(api_client, city=paris.pk, **stay(day))) == ["Open Doors"]


def test_price_is_every_night_times_every_room_in_local_money(api_client, paris, day, reindex):
    room_type = RoomTypeFactory.create(hotel__city=paris, hotel__currency="EUR", capacity=2)
    for i, price in enumerate(["100.00", "120.50", "180.25"]):
        room_nights(room_type, day + timedelta(days=i), 1, price=Decimal(price))
    reindex()

    offer = search(api_client, city=paris.pk, guests=4, rooms=2, **stay(day))["results"][0][
        "cheapest"
    ]

    assert offer["price"] == {"amount": "801.50", "currency": "EUR"}  # (100+120.5+180.25)×2
    assert offer["price_per_night"] == {"amount": "267.17", "currency": "EUR"}
    assert (offer["nights"], offer["rooms"], offer["guests"]) == (3, 2, 4)


def test_yen_prices_have_no_decimals(api_client, day, reindex):
    tokyo = CityFactory.create(
        name="Tokyo", country_code="JP", currency="JPY", timezone="Asia/Tokyo"
    )
    room_nights(RoomTypeFactory.create(hotel__city=tokyo), day, 2, price=Decimal("14500"))
    reindex()

    offer = search(api_client, city="Tokyo", **stay(day, 2))["results"][0]["cheapest"]

    assert offer["price"] == {"amount": "29000", "currency": "JPY"}


def test_room_capacity_times_rooms_must_fit_the_guests(api_client, paris, day, reindex):
    hotel = HotelFactory.create(city=paris)
    room_nights(RoomTypeFactory.create(hotel=hotel, name="Double", capacity=2), day, 3)
    room_nights(RoomTypeFactory.create(hotel=hotel, name="Family", capacity=4), day, 3)
    reindex()

    def offered(**party) -> list[str]:
        body = search(api_client, city=paris.pk, **stay(day, **party))
        return sorted(o["room_type"]["name"] for r in body["results"] for o in r["offers"])

    assert offered(guests=2) == ["Double", "Family"]
    assert offered(guests=3) == ["Family"]
    assert offered(guests=4, rooms=2) == ["Double", "Family"]
    assert offered(guests=9, rooms=2) == []


def test_rooms_asked_must_be_free_on_each_night(api_client, paris, day, reindex):
    room_type = RoomTypeFactory.create(hotel__city=paris)
    nights = room_nights(room_type, day, 3, rooms_available=5)
    nights[2].rooms_available = 2
    nights[2].save()
    reindex()

    assert search(api_client, city=paris.pk, rooms=2, **stay(day))["count"] == 1
    assert search(api_client, city=paris.pk, rooms=3, guests=3, **stay(day))["count"] == 0
    offer = search(api_client, city=paris.pk, **stay(day))["results"][0]["cheapest"]
    assert offer["available"] == 2


def test_filters_stars_amenities_price_and_words(api_client, paris, day, reindex):
    def hotel(name, stars, amenities, price, description="A hotel."):
        room_type = RoomTypeFactory.create(
            hotel=HotelFactory.create(
                name=name, city=paris, stars=stars, amenities=amenities, description=description
            )
        )
        room_nights(room_type, day, 3, price=Decimal(price))

    hotel("Palace", 5, ["wifi", "spa", "pool"], "400.00", "Views of the Eiffel Tower.")
    hotel("Garden", 4, ["wifi", "spa"], "200.00")
    hotel("Budget", 2, ["wifi"], "60.00", "Near the Gare du Nord.")
    reindex()

    assert names(search(api_client, city=paris.pk, min_stars=4, **stay(day))) == [
        "Garden",
        "Palace",
    ]
    assert names(search(api_client, city=paris.pk, amenities="spa,pool", **stay(day))) == ["Palace"]
    assert names(
        search(api_client, city=paris.pk, min_price="100", max_price="250", **stay(day))
    ) == ["Garden"]
    assert names(search(api_client, city=paris.pk, q="eiffel", **stay(day))) == ["Palace"]
    assert names(search(api_client, city=paris.pk, q="GARE", **stay(day))) == ["Budget"]


def test_facets_count_the_matching_hotels(api_client, paris, day, reindex):
    for stars, amenities in [(5, ["wifi", "spa"]), (4, ["wifi"]), (4, ["wifi", "pool"])]:
        room_nights(
            RoomTypeFactory.create(
                hotel=HotelFactory.create(city=paris, stars=stars, amenities=amenities)
            ),
            day,
            3,
        )
    reindex()

    facets = search(api_client, city=paris.pk, **stay(day))["facets"]

    assert facets["stars"] == {"5": 1, "4": 2}
    assert facets["amenities"] == {"wifi": 3, "pool": 1, "spa": 1}


def test_radius_search_nearest_first(api_client, paris, day, reindex):
    near = HotelFactory.create(name="Louvre", city=paris, latitude=48.8606, longitude=2.3376)
    mid = HotelFactory.create(name="La Defense", city=paris, latitude=48.8919, longitude=2.2380)
    far = HotelFactory.create(name="Versailles", city=paris, latitude=48.8049, longitude=2.1204)
    for hotel in (near, mid, far):
        room_nights(RoomTypeFactory.create(hotel=hotel), day, 3)
    reindex()

    body = search(api_client, lat=48.8566, lon=2.3522, radius_km=10, sort="distance", **stay(day))

    assert names(body) == ["Louvre", "La Defense"]
    assert body["results"][0]["distance_km"] < body["results"][1]["distance_km"] < 10


def test_sorts(api_client, paris, day, reindex):
    for name, stars, price in [("Mid", 3, "150.00"), ("Cheap", 2, "80.00"), ("Dear", 5, "390.00")]:
        room_nights(
            RoomTypeFactory.create(hotel=HotelFactory.create(name=name, city=paris, stars=stars)),
            day,
            3,
            price=Decimal(price),
        )
    reindex()

    assert names(search(api_client, city=paris.pk, **stay(day))) == ["Cheap", "Mid", "Dear"]
    assert names(search(api_client, city=paris.pk, sort="-price", **stay(day))) == [
        "Dear",
        "Mid",
        "Cheap",
    ]
    assert names(search(api_client, city=paris.pk, sort="stars", **stay(day))) == [
        "Dear",
        "Mid",
        "Cheap",
    ]


def test_city_by_name_accents_and_country(api_client, day, reindex):
    zurich = CityFactory.create(name="Zürich", country_code="CH", currency="CHF")
    room_nights(RoomTypeFactory.create(hotel__name="Bahnhof", hotel__city=zurich), day, 3)
    reindex()

    assert names(search(api_client, city="zurich", **stay(day))) == ["Bahnhof"]
    assert names(search(api_client, city="Zürich, CH", **stay(day))) == ["Bahnhof"]
    assert (
        api_client.get("/api/hotels/search", {"city": "Zurich, FR", **stay(day)}).status_code == 400
    )


def test_offer_id_is_the_stay_and_reprices_the_same(api_client, paris, day, reindex):
    room_type = RoomTypeFactory.create(hotel__city=paris)
    room_nights(room_type, day, 2, price=Decimal("99.00"))
    reindex()

    offer = search(api_client, city=paris.pk, guests=1, **stay(day, 2))["results"][0]["cheapest"]
    decoded = offer_decode(offer["offer_id"])

    assert isinstance(decoded, HotelOffer)
    assert decoded.room_type_id == room_type.pk
    assert (decoded.check_in, decoded.check_out, decoded.rooms, decoded.guests) == (
        day,
        day + timedelta(days=2),
        1,
        1,
    )
    quote = api_client.get(f"/api/offers/{offer['offer_id']}").json()
    assert quote["price"] == offer["price"] == {"amount": "198.00", "currency": "EUR"}


def test_unpublished_hotels_and_rooms_are_hidden(api_client, paris, day, reindex):
    room_nights(RoomTypeFactory.create(hotel__city=paris, hotel__is_published=False), day, 3)
    room_nights(RoomTypeFactory.create(hotel__city=paris, is_published=False), day, 3)
    reindex()

    assert search(api_client, city=paris.pk, **stay(day))["count"] == 0


@pytest.mark.parametrize("hotels", [3, 30])
def test_queries_do_not_grow_with_results(
    api_client, paris, day, reindex, hotels, django_assert_max_num_queries
):
    for _ in range(hotels):
        room_nights(
            RoomTypeFactory.create(hotel=HotelFactory.create(city=paris, amenities=["wifi"])),
            day,
            3,
        )
    reindex()

    # the search cache's version, engine (city centre + hotels), the free room types with
    # their hotel and room type rows, amenities, the page's ratings (one query each),
    # analytics… and the index freshness: a constant number whatever the number of hotels
    with django_assert_max_num_queries(8):
        body = search(api_client, city=paris.pk, page_size=50, **stay(day))
    assert body["count"] == hotels


@settings(max_examples=30)
@given(
    offset=st.integers(min_value=0, max_value=5),
    nights=st.integers(min_value=1, max_value=6),
    rooms=st.integers(min_value=1, max_value=3),
    inventory=st.lists(
        st.tuples(st.integers(min_value=0, max_value=4), st.integers(min_value=50, max_value=300)),
        min_size=12,
        max_size=12,
    ),
)
def test_offered_iff_every_night_has_the_rooms(
    api_client, paris, reindex, offset, nights, rooms, inventory
):
    """A room type is offered exactly when each night of the stay has `rooms` free, and then
    costs the sum of those nights times the rooms."""
    first = today_anywhere() + timedelta(days=1)
    room_type = RoomTypeFactory.create(hotel=HotelFactory.create(city=paris), capacity=2)
    for i, (free, price) in enumerate(inventory):
        room_nights(
            room_type, first + timedelta(days=i), 1, rooms_total=4, rooms_available=free,
            price=Decimal(price),
        )  # fmt: skip
    reindex()
    check_in = first + timedelta(days=offset)
    asked = inventory[offset : offset + nights]

    body = search(api_client, city=paris.pk, rooms=rooms, guests=rooms, **stay(check_in, nights))

    expected = all(free >= rooms for free, _ in asked)
    assert (body["count"] == 1) is expected
    if expected:
        total = sum(Decimal(price) for _, price in asked) * rooms
        assert Decimal(body["results"][0]["cheapest"]["price"]["amount"]) == total
    room_type.hotel.delete()


def test_three_or_thirty_hotels_cost_the_same_queries(api_client, paris, day, reindex):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_a_search() -> tuple[int, int]:
        cache.clear()  # the search itself, not its cached answer
        with CaptureQueriesContext(connection) as context:
            body = search(api_client, city=paris.pk, page_size=50, **stay(day))
        return body["count"], len(context.captured_queries)

    for _ in range(3):
        room_nights(
            RoomTypeFactory.create(hotel=HotelFactory.create(city=paris, amenities=["wifi"])),
            day,
            3,
        )
    reindex()
    few = queries_for_a_search()
    for _ in range(27):
        room_nights(
            RoomTypeFactory.create(hotel=HotelFactory.create(city=paris, amenities=["spa"])), day, 3
        )
    reindex()
    many = queries_for_a_search()

    assert (few[0], many[0]) == (3, 30)
    assert few[1] == many[1]


def test_a_stale_index_never_sells_what_changed_since_the_sync(api_client, paris, day, reindex):
    # given three hotels with rooms, indexed
    kept, closed, full = (
        HotelFactory.create(city=paris, name=n) for n in ("Kept", "Closed", "Full")
    )
    for hotel in (kept, closed, full):
        room_nights(RoomTypeFactory.create(hotel=hotel), day, 3, rooms_available=2)
    reindex()

    # when, before the next sync, one hotel is unpublished and another sells out a night
    closed.is_published = False
    closed.save()
    RoomNight.objects.filter(room_type__hotel=full, date=day + timedelta(days=1)).update(
        rooms_available=0
    )

    # then the index still names them, but the database decides: only one is offered
    assert names(search(api_client, city=paris.pk, **stay(day))) == ["Kept"]


def _as_documented(field, value) -> object:
    """`value` read back through the serializer field that documents it (OpenAPI), field by
    field: what that serializer would answer for it."""
    from rest_framework import serializers

    if value is None:
        assert field.allow_null, field
        return None
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        return [_as_documented(field.child, item) for item in value]
    if isinstance(field, serializers.DictField):
        return {key: _as_documented(field.child, item) for key, item in value.items()}
    if isinstance(field, serializers.Serializer):
        assert set(value) == set(field.fields), field
        return {name: _as_documented(field.fields[name], value[name]) for name in value}
    return field.to_representation(field.to_internal_value(value))


def test_the_answer_is_what_the_documented_serializers_give(api_client, paris, day, reindex):
    """The results are built as dicts (no serializer per hotel and offer): every key and every
    JSON type (a bool, not 1; a decimal string, not a number) is the OpenAPI schema's."""
    import json

    from search.apis.hotels import HotelSearchApi

    hotel = HotelFactory.create(name="Le Marais", city=paris, amenities=["wifi"])
    breakfast = RoomTypeFactory.create(
        hotel=hotel, name="Suite", breakfast_included=True, size_m2=40
    )
    room_nights(breakfast, day, 3, price=Decimal("180.25"))
    room_nights(RoomTypeFactory.create(hotel=hotel, breakfast_included=False, size_m2=None), day, 3)
    reindex()

    results = search(api_client, city=paris.pk, **stay(day))["results"]

    documented = HotelSearchApi.OutputSerializer(many=True)
    assert json.dumps(_as_documented(documented, results)) == json.dumps(results)
    offers = results[0]["offers"]
    assert [o["room_type"]["breakfast_included"] for o in offers] == [False, True]
    assert offers[1]["price"] == {"amount": "540.75", "currency": hotel.currency}
