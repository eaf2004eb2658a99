"""The rules of a multi-city trip (search.limits.slices_errors) over many trips, and the
connection rule its offers are combined with (search.selectors.flights.slices_connect)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from search.limits import MAX_SLICES, slices_errors
from search.selectors.flights import MIN_CONNECTION, Itinerary, LegFare, Place, slices_connect
from travelguru.money import Money

CODES = st.sampled_from(["AAA", "BBB", "CCC", "DDD"])
START = date(2027, 3, 1)
slice_ = st.tuples(CODES, CODES, st.integers(0, 40).map(lambda n: START + timedelta(days=n)))


@given(st.lists(slice_, min_size=0, max_size=MAX_SLICES + 2))
def test_a_trip_is_refused_exactly_where_it_breaks_a_rule(slices):
    errors = slices_errors(slices)

    if not 2 <= len(slices) <= MAX_SLICES:
        assert errors == {"slices": f"From 2 to {MAX_SLICES} flights."}
        return
    expected = set()
    for index, (origin, destination, day) in enumerate(slices):
        if origin == destination:
            expected.add(f"slices[{index}].destination")
        if index and day < slices[index - 1][2]:
            expected.add(f"slices[{index}].date")
    assert set(errors) == expected


@given(st.lists(slice_, min_size=2, max_size=MAX_SLICES))
def test_a_trip_in_date_order_between_different_airports_is_accepted(slices):
    ordered = sorted(slices, key=lambda s: s[2])
    trip = [(o, d if d != o else ("AAA" if o != "AAA" else "BBB"), day) for o, d, day in ordered]

    assert slices_errors(trip) == {}


def _itinerary(departure: datetime, minutes: int, currency: str = "USD") -> Itinerary:
    place = Place(1, "AAA", "A", "A", "US", "UTC")
    leg = LegFare(
        fare_id=1, adult_fare=Money.of("10", currency), party_amount=Decimal(10),
        seats_available=1, checked_bags=0, cabin_bags=1, refundable=False, change_fee=None,
        flight_number="X1", airline_code="XX", airline_name="X", origin=place,
        destination=place, departure_at=departure,
        arrival_at=departure + timedelta(minutes=minutes), distance_km=1, aircraft="",
    )  # fmt: skip
    return Itinerary.of((leg,))


@given(
    st.integers(30, 900),  # the first slice's flight time
    st.integers(-600, 600),  # minutes from its landing to the next slice's departure
    st.sampled_from(["USD", "EUR"]),
)
def test_a_slice_follows_only_at_least_45_minutes_after_landing_in_one_currency(
    minutes, gap, currency
):
    first = _itinerary(datetime(2027, 3, 1, 6, tzinfo=UTC), minutes)
    later = _itinerary(first.arrival_at + timedelta(minutes=gap), 60, currency)

    assert slices_connect(first, later) == (
        gap >= MIN_CONNECTION.total_seconds() // 60 and currency == "USD"
    )
