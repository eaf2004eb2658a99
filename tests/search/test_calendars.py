"""Flexible dates: the lowest price per day around a flight's day and over a hotel's month,
from live inventory, in as many queries for a week or a month as for a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from catalog.models import FlightFare, RoomNight
from search.selectors.calendars import flight_calendar, hotel_calendar
from search.selectors.flights import Party
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    HotelFactory,
    RoomTypeFactory,
    flight_fare,
    room_nights,
)
from tests.flows import assert_problem
from tests.search.references import names_kept_by_this_process
from travelguru.results_cache import results_changed_now

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)


def _day(days_ahead: int) -> date:
    return NOW.date() + timedelta(days=days_ahead)


def _at(day: date, hh_mm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hh_mm), tzinfo=UTC)


@pytest.fixture
def places() -> dict:
    return {
        code: AirportFactory.create(iata=code, timezone="UTC") for code in ("ORG", "HUB", "DST")
    }


def _prices(days) -> list[tuple[str, str | None]]:
    return [(d["date"], d["price"]["amount"] if d["price"] else None) for d in days]


def test_the_flight_calendar_is_the_lowest_price_per_day_three_days_either_side(api_client, places):
    # given on the day asked two flights, the day before one, and two days after only a
    # connection; nothing on the other days
    day = _day(20)
    flight_fare(places["ORG"], places["DST"], _at(day, "08:00"), price=Decimal("120.00"))
    flight_fare(places["ORG"], places["DST"], _at(day, "18:00"), price=Decimal("99.00"))
    flight_fare(places["ORG"], places["DST"], _at(day - timedelta(days=1), "08:00"),
                price=Decimal("150.00"))  # fmt: skip
    two_after = day + timedelta(days=2)
    flight_fare(places["ORG"], places["HUB"], _at(two_after, "08:00"), price=Decimal("40.00"))
    flight_fare(places["HUB"], places["DST"], _at(two_after, "11:00"), price=Decimal("45.00"))

    # when two adults ask
    response = api_client.get(
        "/api/flights/calendar",
        {"origin": "ORG", "destination": "DST", "date": day.isoformat(), "adults": 2},
    )

    # then a week of days, each the lowest price for both
    assert response.status_code == 200, response.json()
    assert _prices(response.json()["days"]) == [
        ((day + timedelta(days=n)).isoformat(), price)
        for n, price in zip(range(-3, 4), [None, None, "300.00", "198.00", None, "170.00", None],
                            strict=True)
    ]  # fmt: skip


def test_a_week_of_prices_costs_the_queries_of_one_day(places, django_assert_num_queries):
    day = _day(20)
    for n in range(-3, 4):
        flight_fare(places["ORG"], places["HUB"], _at(day + timedelta(days=n), "08:00"))
        flight_fare(places["HUB"], places["DST"], _at(day + timedelta(days=n), "11:00"))
        flight_fare(places["ORG"], places["DST"], _at(day + timedelta(days=n), "12:00"))

    names_kept_by_this_process()

    # airports, first legs, second legs: the one-way search's three, for seven days
    with django_assert_num_queries(3):
        days = flight_calendar(
            origin="ORG", destination="DST", day=day, party=Party(adults=1), cabin="economy",
            now=NOW, last_day=_day(300),
        )  # fmt: skip

    assert [d.day for d in days] == [day + timedelta(days=n) for n in range(-3, 4)]
    assert all(d.price is not None for d in days)


def test_the_flight_calendar_starts_today_at_the_origin(places):
    day = _day(1)

    days = flight_calendar(
        origin="ORG", destination="DST", day=day, party=Party(adults=1), cabin="economy",
        now=NOW, last_day=_day(300),
    )  # fmt: skip

    assert [d.day for d in days] == [NOW.date() + timedelta(days=n) for n in range(5)]


def test_a_price_change_shows_in_the_next_calendar(api_client, places):
    # given a calendar asked once (and kept in the search cache)
    day = _day(20)
    fare = flight_fare(places["ORG"], places["DST"], _at(day, "08:00"), price=Decimal("120.00"))
    query = {"origin": "ORG", "destination": "DST", "date": day.isoformat()}
    first = api_client.get("/api/flights/calendar", query).json()
    FlightFare.objects.filter(pk=fare.pk).update(price=Decimal("80.00"))
    assert api_client.get("/api/flights/calendar", query).json() == first  # cached

    # when the change is committed (as every inventory change and catalog edit says)
    results_changed_now("flight")

    # then
    days = api_client.get("/api/flights/calendar", query).json()["days"]
    assert dict(_prices(days))[day.isoformat()] == "80.00"


def test_a_flight_calendar_for_one_airport_twice_is_a_400(api_client, places):
    response = api_client.get(
        "/api/flights/calendar", {"origin": "ORG", "destination": "org", "date": _day(5)}
    )

    body = assert_problem(response, 400, "validation-error")
    assert list(body["errors"]) == ["destination"]


@pytest.fixture
def month() -> date:
    """The first day of a month wholly in the future."""
    return (NOW.date() + timedelta(days=40)).replace(day=1)


def test_the_hotel_calendar_is_the_lowest_stay_per_check_in_day_of_the_month(api_client, month):
    # given two hotels in Lisbon; the cheaper one is closed on the 5th and needs 3 nights
    # from the 10th
    lisbon = CityFactory.create(name="Lisbon", currency="EUR", timezone="Europe/Lisbon")
    dear = RoomTypeFactory.create(hotel=HotelFactory.create(city=lisbon, currency="EUR"),
                                  capacity=2)  # fmt: skip
    cheap = RoomTypeFactory.create(hotel=HotelFactory.create(city=lisbon, currency="EUR"),
                                   capacity=2)  # fmt: skip
    room_nights(dear, month, 40, price=Decimal("150.00"))
    room_nights(cheap, month, 40, price=Decimal("100.00"))
    RoomNight.objects.filter(room_type=cheap, date=month + timedelta(days=4)).update(stop_sell=True)
    RoomNight.objects.filter(room_type=cheap, date=month + timedelta(days=9)).update(min_stay=3)

    # when two nights for two guests are asked, checking in on the 15th
    response = api_client.get(
        "/api/hotels/calendar",
        {"city": lisbon.pk, "check_in": month + timedelta(days=14),
         "check_out": month + timedelta(days=16), "guests": 2},
    )  # fmt: skip

    # then every check-in day of the month, two nights' lowest price
    assert response.status_code == 200, response.json()
    prices = dict(_prices(response.json()["days"]))
    assert len(prices) in (28, 29, 30, 31)
    assert next(iter(prices)) == month.isoformat()
    day = lambda n: (month + timedelta(days=n - 1)).isoformat()  # noqa: E731
    assert prices[day(1)] == "200.00"
    # a stay is one room type every night: through the 5th only the dear one
    assert prices[day(4)] == "300.00"
    assert prices[day(5)] == "300.00"
    assert prices[day(6)] == "200.00"
    # nor a 2-night stay through the 10th in a room asking 3 nights then
    assert prices[day(9)] == "300.00"
    assert prices[day(10)] == "300.00"
    assert prices[day(11)] == "200.00"
    assert response.json()["search"]["month"] == month.isoformat()


def test_a_month_of_hotel_prices_costs_the_queries_of_a_day(month, django_assert_num_queries):
    # a city's currencies, then its cheapest nights of every date (more rounds only when the
    # cheapest nights do not settle a day: tests/search/test_hotel_calendar_cheapest.py)
    city = CityFactory.create()
    for _ in range(3):
        room_nights(RoomTypeFactory.create(hotel=HotelFactory.create(city=city)), month, 35)

    with django_assert_num_queries(2):
        days = hotel_calendar(city=city, month=month, nights=3, guests=2, rooms=1, now=NOW)

    assert days[0].day == month
    assert days[0].price is not None


def test_hotel_check_in_days_already_over_have_no_price(django_assert_num_queries):
    city = CityFactory.create(timezone="UTC")
    today = NOW.date()
    room_nights(RoomTypeFactory.create(hotel=HotelFactory.create(city=city)),
                today.replace(day=1), 40)  # fmt: skip

    days = hotel_calendar(city=city, month=today, nights=1, guests=1, rooms=1, now=NOW)

    assert [d.day for d in days if d.price is None and d.day < today] == [
        d.day for d in days if d.day < today
    ]
    assert next(d for d in days if d.day == today).price is not None


def test_a_hotel_price_change_shows_in_the_next_calendar(api_client, month):
    city = CityFactory.create(name="Porto", currency="EUR")
    room_type = RoomTypeFactory.create(hotel=HotelFactory.create(city=city, currency="EUR"))
    room_nights(room_type, month, 35, price=Decimal("100.00"))
    query = {"city": city.pk, "check_in": month, "check_out": month + timedelta(days=1),
             "guests": 1}  # fmt: skip
    api_client.get("/api/hotels/calendar", query)
    RoomNight.objects.filter(room_type=room_type, date=month).update(price=Decimal("90.00"))

    results_changed_now("hotel")

    days = api_client.get("/api/hotels/calendar", query).json()["days"]
    assert days[0]["price"] == {"amount": "90.00", "currency": "EUR"}
