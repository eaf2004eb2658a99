"""An offer's price and price per adult, as search shows them and as the offer id carries
them, are `catalog.pricing.flight_price` of its legs' adult fares: the price the hold
charges. Over parties, fares, currencies with 0, 2 and 3 decimals, and 1-6 slices of 1-2 legs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from catalog import pricing
from search.limits import MAX_SLICES
from search.selectors.flights import FlightResult, Itinerary, LegFare, Party, Place
from travelguru.money import Money

PLACE = Place(1, "AAA", "A", "A", "US", "UTC")
START = datetime(2027, 3, 1, 6, tzinfo=UTC)

fares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.999"), places=3)
parties = st.builds(
    Party, adults=st.integers(1, 9), children=st.integers(0, 8), infants=st.integers(0, 9)
)
trips = st.lists(st.lists(fares, min_size=1, max_size=2), min_size=1, max_size=MAX_SLICES)


def _result(slices: list[list[Decimal]], party: Party, currency: str) -> FlightResult:
    factor = pricing.flight_fare_factor(
        adults=party.adults, children=party.children, infants=party.infants
    )
    itineraries = []
    for number, prices in enumerate(slices):
        legs = []
        for order, price in enumerate(prices):
            adult_fare = Money.of(price, currency)
            departure = START + timedelta(days=number, hours=3 * order)
            legs.append(
                LegFare(
                    fare_id=10 * number + order,
                    adult_fare=adult_fare,
                    party_amount=adult_fare.times(factor).amount,
                    seats_available=9,
                    checked_bags=1,
                    cabin_bags=1,
                    refundable=True,
                    change_fee=None,
                    flight_number=f"X{number}{order}",
                    airline_code="XX",
                    airline_name="X",
                    origin=PLACE,
                    destination=PLACE,
                    departure_at=departure,
                    arrival_at=departure + timedelta(hours=2),
                    distance_km=1,
                    aircraft="",
                )  # fmt: skip
            )
        itineraries.append(Itinerary.of(tuple(legs)))
    return FlightResult(slices=tuple(itineraries), party=party, cabin="economy", sort_key=())


@given(trips, parties, st.sampled_from(["USD", "JPY", "KWD"]))
def test_an_offer_costs_what_pricing_charges_for_its_legs(slices, party, currency):
    result = _result(slices, party, currency)
    adult_fares = [Money.of(price, currency) for prices in slices for price in prices]

    expected = pricing.flight_price(
        adult_fares=adult_fares,
        adults=party.adults,
        children=party.children,
        infants=party.infants,
    )
    assert result.price == expected
    assert result.offer().price == expected
    assert result.price_per_adult == pricing.flight_price(adult_fares=adult_fares, adults=1)
