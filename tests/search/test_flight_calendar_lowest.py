"""The flight price calendar prices a week without making its itineraries: each first leg is
priced with the cheapest second leg it connects to, found in time linear in the legs. On
generated schedules every day's price is the lowest of the one-way search's own itineraries
leaving that day (connection windows, currencies, seats, cancelled legs, stop-sell)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import FlightFare, FlightLeg
from search.engines import get_engine
from search.selectors.calendars import flight_calendar
from search.selectors.flights import (
    FareRow,
    Party,
    _cheapest_connections,
    _local_day_in_utc,
    _pairs,
    _Search,
    _Window,
)
from tests.factories.catalog import AirportFactory, flight_fare

NOW = datetime.now(UTC)
BASE = datetime.combine(NOW.date() + timedelta(days=30), time.min, tzinfo=UTC)


def _row(fare_id: int, hub: int, departure: datetime, minutes: int, price: str, currency: str):
    return FareRow(
        fare_id=fare_id, price=Decimal(price), currency=currency, seats_available=9,
        checked_bags=1, cabin_bags=1, refundable=False, change_fee=None,
        flight_number=f"TG{fare_id}", airline_id=1, departure_at=departure,
        arrival_at=departure + timedelta(minutes=minutes), distance_km=500, aircraft="",
        far_id=hub, part=0,
    )  # fmt: skip


leg_st = st.tuples(
    st.sampled_from([1, 2]),  # hub
    st.integers(0, 36 * 12),  # departure, in 5-minute steps from BASE
    st.sampled_from([45, 90, 240]),  # minutes in the air
    st.sampled_from(["40.00", "55.50", "61.25", "90.00", "55.50"]),
    st.sampled_from(["EUR"] * 5 + ["USD"]),
)


@settings(max_examples=300, deadline=None)
@given(firsts=st.lists(leg_st, max_size=25), seconds=st.lists(leg_st, max_size=25))
def test_each_first_legs_cheapest_connection_is_the_lowest_of_its_pairs(firsts, seconds):
    # given first legs to two hubs and second legs from them, at generated times and prices
    def rows(specs, offset):
        return [
            _row(offset + i, hub, BASE + timedelta(minutes=5 * step), minutes, price, currency)
            for i, (hub, step, minutes, price, currency) in enumerate(specs)
        ]

    first_rows, second_rows = rows(firsts, 0), rows(seconds, 1000)
    by_hub: dict[int, list[FareRow]] = defaultdict(list)
    for row in sorted(second_rows, key=lambda r: (r.departure_at, r.fare_id)):
        by_hub[row.far_id].append(row)

    # when each first leg's cheapest connection is found
    found = {}
    for hub, hub_seconds in by_hub.items():
        hub_firsts = [r for r in first_rows if r.far_id == hub]
        for first, second in _cheapest_connections(hub_firsts, hub_seconds, lambda r: r.price):
            found[first.fare_id] = first.price + second.price

    # then it is the lowest of the pairs the search makes of that first leg, and a first leg
    # with no pair has none
    lowest: dict[int, Decimal] = {}
    for first, second in _pairs(first_rows, dict(by_hub)):
        total = first.price + second.price
        lowest[first.fare_id] = min(total, lowest.get(first.fare_id, total))
    assert found == lowest


DAYS = 7
day_leg_st = st.tuples(
    st.sampled_from(["direct", "first", "first", "second", "second"]),
    st.integers(0, DAYS * 24 * 4 - 1),  # departure, in 15-minute steps from the week's start
    st.sampled_from([60, 150, 300]),
    st.sampled_from(["80.00", "99.99", "120.00", "45.00"]),
    st.sampled_from(["EUR"] * 7 + ["USD"]),
    st.sampled_from([9, 9, 9, 0]),  # seats left
    st.sampled_from([False] * 8 + [True]),  # cancelled
    st.sampled_from([False] * 8 + [True]),  # stop-sell
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(legs=st.lists(day_leg_st, max_size=30), adults=st.integers(1, 3))
def test_every_day_is_the_lowest_itinerary_the_one_way_search_makes(legs, adults):
    # given a week of direct flights, first legs to a hub and second legs from it, some
    # full, cancelled or closed, a few in another currency, at an origin 9 hours east of UTC
    origin = AirportFactory.create(timezone="Asia/Tokyo")
    hub = AirportFactory.create(timezone="UTC")
    target = AirportFactory.create(timezone="America/New_York")
    day = NOW.date() + timedelta(days=20)
    start = _local_day_in_utc(day - timedelta(days=3), origin.timezone)[0]
    ends = {"direct": (origin, target), "first": (origin, hub), "second": (hub, target)}
    for kind, step, minutes, price, currency, seats, cancelled, closed in legs:
        flight_fare(
            *ends[kind], start + timedelta(minutes=15 * step), minutes=minutes,
            price=Decimal(price), currency=currency, seats_available=seats,
            stop_sell=closed, leg__is_cancelled=cancelled,
        )  # fmt: skip
    party = Party(adults=adults)

    # when the calendar is asked for the week around `day`
    days = flight_calendar(
        origin=origin.iata, destination=target.iata, day=day, party=party, cabin="economy",
        now=NOW, last_day=day + timedelta(days=300),
    )  # fmt: skip

    # then each day shows, in one of the currencies sold that day, the lowest price of the
    # itineraries the one-way search offers leaving that day
    search = _Search(party=party, cabin="economy", max_stops=1, now=NOW, engine=get_engine())
    expected: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for d in (day + timedelta(days=n) for n in range(-3, 4)):
        window = _Window.of_day(_place(origin), _place(target), d)
        for itinerary in search.itineraries_of([window])[0]:
            low = expected[d].get(itinerary.currency, itinerary.amount)
            expected[d][itinerary.currency] = min(low, itinerary.amount)
    assert [d.day for d in days] == [day + timedelta(days=n) for n in range(-3, 4)]
    for shown in days:
        if shown.price is None:
            assert not expected.get(shown.day), shown.day
        else:
            assert expected[shown.day][shown.price.currency] == shown.price.amount, shown.day
    FlightFare.objects.all().delete()
    FlightLeg.objects.all().delete()


def _place(airport):
    from catalog.references import places_by_id

    return places_by_id([airport.pk])[airport.pk]


@pytest.mark.django_db
def test_a_day_sold_in_two_currencies_shows_the_one_the_week_uses_most():
    # given a week sold in euros, and one day with a cheaper flight in dollars too
    origin, target = (AirportFactory.create(timezone="UTC") for _ in range(2))
    day = NOW.date() + timedelta(days=20)
    for n in range(-3, 4):
        at = datetime.combine(day + timedelta(days=n), time(9), tzinfo=UTC)
        flight_fare(origin, target, at, price=Decimal("100.00"), currency="EUR")
    flight_fare(origin, target, datetime.combine(day, time(15), tzinfo=UTC),
                price=Decimal("20.00"), currency="USD")  # fmt: skip

    days = flight_calendar(
        origin=origin.iata, destination=target.iata, day=day, party=Party(adults=1),
        cabin="economy", now=NOW, last_day=day + timedelta(days=300),
    )  # fmt: skip

    # then every day reads in euros: the dollar fare is not compared with them
    assert {(d.price.amount, d.price.currency) for d in days if d.price} == {
        (Decimal("100.00"), "EUR")
    }
