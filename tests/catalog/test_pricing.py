from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import pricing
from travelguru.money import Money


def test_children_pay_three_quarters_and_lap_infants_a_tenth_on_every_leg():
    fares = [Money.of("100.00", "USD"), Money.of("250.00", "USD")]
    price = pricing.flight_price(adult_fares=fares, adults=2, children=1, infants=1)
    # per leg: 2 + 0.75 + 0.10 = 2.85 adult fares
    assert price == Money.of("997.50", "USD")


def test_stay_price_is_every_nights_price_times_rooms():
    nights = [Money.of("120.00", "EUR"), Money.of("150.00", "EUR")]
    assert pricing.stay_price(night_prices=nights, rooms=2) == Money.of("540.00", "EUR")


def test_rental_price_sums_the_days():
    days = [Money.of("45", "JPY"), Money.of("50", "JPY")]
    assert pricing.rental_price(day_prices=days) == Money.of("95", "JPY")


def test_lap_infants_need_no_seat():
    assert pricing.seats_needed(adults=2, children=1, infants=2) == 3


def test_pricing_nothing_is_an_error():
    with pytest.raises(ValueError, match="nothing to price"):
        pricing.rental_price(day_prices=[])


@given(
    st.lists(st.decimals(min_value=1, max_value=5000, places=2), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=9),
)
def test_stay_price_never_depends_on_night_order(prices, rooms):
    nights = [Money.of(p, "EUR") for p in prices]
    forward = pricing.stay_price(night_prices=nights, rooms=rooms)
    backward = pricing.stay_price(night_prices=list(reversed(nights)), rooms=rooms)
    assert forward == backward
    assert forward.amount == sum(prices, Decimal(0)) * rooms
