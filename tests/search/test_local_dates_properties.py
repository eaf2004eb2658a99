"""Search offers nothing already begun at the place, and everything still ahead there.

For any instant (UTC) and any zone from UTC-12 to UTC+14: a stay, pick-up or departure
day before the place's today is never offered (a 400 naming the field), and one that is
today or later there still is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.local_time import local_today
from search.selectors.cars import Rental, car_offers_list
from search.selectors.flights import Party, flight_offers_list
from search.selectors.hotels import HotelSearch, Stay, hotel_search
from search.services.indexing import sync_index
from tests.catalog.test_local_time import ZONES
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)
from travelguru.errors import InvalidInput

pytestmark = pytest.mark.django_db

zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2027, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
offsets = st.integers(min_value=-2, max_value=2)


@settings(max_examples=25)
@given(now=instants, tz=zones, offset=offsets)
def test_a_hotel_is_offered_exactly_when_check_in_is_today_or_later_in_its_city(now, tz, offset):
    city = CityFactory.create(timezone=tz)
    check_in = local_today(tz, now=now) + timedelta(days=offset)
    room_nights(RoomTypeFactory.create(hotel__city=city), check_in, 2)
    sync_index(full=True)
    stay = Stay(check_in=check_in, check_out=check_in + timedelta(days=2), guests=1, rooms=1)

    found = hotel_search(HotelSearch(stay=stay, city_id=city.pk), now=now)

    assert len(found.hotels) == (1 if offset >= 0 else 0)


@settings(max_examples=25)
@given(now=instants, tz=zones, offset=offsets)
def test_a_car_is_offered_exactly_until_its_office_closes_on_the_pick_up_day(now, tz, offset):
    airport = AirportFactory.create(city=CityFactory.create(timezone=tz))
    pick_up = local_today(tz, now=now) + timedelta(days=offset)
    car = RentalCarFactory.create(office__airport=airport)
    car_days(car, pick_up, 2)
    sync_index(full=True)
    rental = Rental(pick_up=pick_up, drop_off=pick_up + timedelta(days=2))

    if offset < 0:
        with pytest.raises(InvalidInput) as refused:
            car_offers_list(airport_code=airport.iata, rental=rental, now=now)
        assert list(refused.value.extra["errors"]) == ["pick_up"]
        return
    found = car_offers_list(airport_code=airport.iata, rental=rental, now=now)

    car.office.refresh_from_db()  # its hours as times (the model's defaults are strings)
    still_open = now.astimezone(ZoneInfo(tz)).time() < car.office.closes_at
    assert len(found) == (1 if offset > 0 or still_open else 0)


@settings(max_examples=25)
@given(now=instants, tz=zones, minutes=st.integers(min_value=-36 * 60, max_value=36 * 60))
def test_a_flight_is_offered_exactly_when_it_has_not_left(now, tz, minutes):
    origin = AirportFactory.create(city=CityFactory.create(timezone=tz))
    destination = AirportFactory.create()
    departure = now + timedelta(minutes=minutes)
    flight_fare(origin, destination, departure)
    day = local_today(tz, now=departure)  # the day it leaves, on the origin's calendar

    def search():
        return flight_offers_list(
            origin=origin.iata, destination=destination.iata, day=day, party=Party(adults=1),
            cabin="economy", now=now,
        )  # fmt: skip

    if day < local_today(tz, now=now):
        with pytest.raises(InvalidInput) as refused:
            search()
        assert list(refused.value.extra["errors"]) == ["date"]
        return
    assert len(search()) == (1 if departure > now else 0)
