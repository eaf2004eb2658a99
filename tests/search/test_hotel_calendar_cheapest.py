"""The hotel price calendar reads a city's cheapest nights first and stops once its answer is
proven: on generated catalogs every day's price is exactly what reading every night of the
city gives, however few nights each round reads, and a night follows its hotel's city."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import RoomNight
from catalog.services import room_nights_place
from search.selectors import calendars
from search.selectors.calendars import _calendar_read_all, hotel_calendar
from tests.factories.catalog import CityFactory, HotelFactory, RoomTypeFactory, room_nights

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)
DAYS = 12  # nights loaded from the first of the month

night_st = st.one_of(
    st.none(),  # no inventory row that night
    st.fixed_dictionaries(
        {
            "price": st.sampled_from(
                [Decimal("50.00"), Decimal("60.00"), Decimal("75.50"), Decimal("61.25")]
            ),  # fmt: skip
            "left": st.sampled_from([3, 2, 1, 0]),
            "stop_sell": st.sampled_from([False, False, False, True]),
            "min_stay": st.sampled_from([1, 1, 1, 2, 3]),
        }
    ),
)
room_type_st = st.fixed_dictionaries(
    {
        "capacity": st.sampled_from([2, 4, 1]),
        "published": st.sampled_from([True, True, True, False]),
        "nights": st.lists(night_st, min_size=DAYS, max_size=DAYS),
    }
)
hotel_st = st.fixed_dictionaries(
    {
        "published": st.sampled_from([True, True, True, False]),
        "currency": st.sampled_from(["EUR"] * 6 + ["USD"]),
        "elsewhere": st.sampled_from([False] * 5 + [True]),  # in another city
        "room_types": st.lists(room_type_st, min_size=1, max_size=3),
    }
)


def _month() -> date:
    return (NOW.date() + timedelta(days=40)).replace(day=1)


def _load(city, other, month, hotels) -> None:
    for spec in hotels:
        hotel = HotelFactory.create(
            city=other if spec["elsewhere"] else city,
            is_published=spec["published"],
            currency=spec["currency"],
        )
        for rt in spec["room_types"]:
            room_type = RoomTypeFactory.create(
                hotel=hotel, capacity=rt["capacity"], is_published=rt["published"]
            )
            RoomNight.objects.bulk_create(
                RoomNight(room_type=room_type, city=hotel.city, date=month + timedelta(days=i),
                          price=n["price"], rooms_total=3, rooms_available=n["left"],
                          stop_sell=n["stop_sell"], min_stay=n["min_stay"])
                for i, n in enumerate(rt["nights"]) if n is not None
            )  # fmt: skip


def _amounts(days) -> list[tuple[date, str | None]]:
    return [(d.day, None if d.price is None else f"{d.price.amount} {d.price.currency}")
            for d in days]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    hotels=st.lists(hotel_st, min_size=1, max_size=7),
    nights=st.integers(1, 4),
    rooms=st.integers(1, 2),
    guests=st.integers(1, 4),
    first_k=st.sampled_from([1, 2, 8]),
)
def test_every_day_is_the_price_reading_every_night_gives(
    monkeypatch, hotels, nights, rooms, guests, first_k
):
    # given a city's hotels and nights as generated (some in another city), and rounds that
    # read as few as one night per date at first
    monkeypatch.setattr(calendars._Cheapest, "FIRST_K", first_k)
    monkeypatch.setattr(calendars._Cheapest, "GROWTH", 2)
    city, other = CityFactory.create(timezone="UTC"), CityFactory.create(timezone="UTC")
    month = _month()
    _load(city, other, month, hotels)
    guests = max(guests, rooms)

    # when the calendar is asked
    days = hotel_calendar(city=city, month=month, nights=nights, guests=guests, rooms=rooms,
                          now=NOW)  # fmt: skip

    # then each day is what reading every night of the city gives
    expected = _calendar_read_all(
        city=city, days=[d.day for d in days], nights=nights, guests=guests, rooms=rooms,
        today=NOW.date(),
    )  # fmt: skip
    assert _amounts(days) == _amounts(expected)
    RoomNight.objects.filter(city__in=[city, other]).delete()
    for place in (city, other):
        for hotel in place.hotels.all():
            hotel.room_types.all().delete()
            hotel.delete()
        place.delete()


def test_cheaper_rooms_than_the_first_round_reads_are_still_found():
    # given 12 room types dearest-first-night cheap, and one that is cheapest over two nights
    # while never among the cheapest of either night alone
    city = CityFactory.create(timezone="UTC")
    month = _month()
    for i in range(12):
        room_type = RoomTypeFactory.create(hotel=HotelFactory.create(city=city), capacity=2)
        room_nights(room_type, month, 1, price=Decimal(10 + i))
        room_nights(room_type, month + timedelta(days=1), 1, price=Decimal(500))
    steady = RoomTypeFactory.create(hotel=HotelFactory.create(city=city), capacity=2)
    room_nights(steady, month, 2, price=Decimal(100))

    days = hotel_calendar(city=city, month=month, nights=2, guests=2, rooms=1, now=NOW)

    assert days[0].price is not None
    assert days[0].price.amount == Decimal("200.00")


def test_reading_the_calendar_costs_the_same_queries_for_3_hotels_as_for_30(
    django_assert_max_num_queries,
):
    # given two cities, one with 3 hotels, the other with 30, priced alike
    month = _month()
    small, large = CityFactory.create(), CityFactory.create()
    for city, count in ((small, 3), (large, 30)):
        for i in range(count):
            room_type = RoomTypeFactory.create(hotel=HotelFactory.create(city=city), capacity=2)
            room_nights(room_type, month, 33, price=Decimal(100 + i))

    # then a month costs at most 3 queries for either: the city's currencies, the cheapest
    # nights of each date, the rest of the stays they make
    for city in (small, large):
        with django_assert_max_num_queries(3):
            days = hotel_calendar(city=city, month=month, nights=2, guests=2, rooms=1, now=NOW)
        assert days[0].price is not None
        assert days[0].price.amount == Decimal("200.00")


def test_a_hotel_moved_to_another_city_takes_its_nights_to_that_citys_calendar():
    # given a hotel in Lyon, then moved to Nice
    month = _month()
    lyon, nice = CityFactory.create(), CityFactory.create()
    hotel = HotelFactory.create(city=lyon)
    room_nights(RoomTypeFactory.create(hotel=hotel, capacity=2), month, 3, price=Decimal(80))
    hotel.city = nice
    hotel.save()

    # when its nights are placed again
    moved = room_nights_place(hotel_ids=[hotel.pk])

    # then Nice's calendar shows it, Lyon's no longer does
    assert moved == 3
    nice_days = hotel_calendar(city=nice, month=month, nights=1, guests=2, rooms=1, now=NOW)
    lyon_days = hotel_calendar(city=lyon, month=month, nights=1, guests=2, rooms=1, now=NOW)
    assert nice_days[0].price is not None
    assert nice_days[0].price.amount == Decimal("80.00")
    assert lyon_days[0].price is None


def test_a_month_its_rounds_cannot_settle_is_read_whole(monkeypatch):
    # given a month whose cheapest nights would take more rounds than allowed
    monkeypatch.setattr(calendars._Cheapest, "LAST_K", 0)
    city = CityFactory.create(timezone="UTC")
    month = _month()
    room_type = RoomTypeFactory.create(hotel=HotelFactory.create(city=city), capacity=2)
    room_nights(room_type, month, 3, price=Decimal(70))

    days = hotel_calendar(city=city, month=month, nights=2, guests=2, rooms=1, now=NOW)

    # then the prices are still there, from reading the month whole
    assert [d.price.amount if d.price else None for d in days[:3]] == [
        Decimal("140.00"), Decimal("140.00"), None,
    ]  # fmt: skip
