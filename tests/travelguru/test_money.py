from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from travelguru.money import Money, quantize


def test_amounts_round_half_up_to_the_currencys_minor_unit():
    assert Money.of("10.005", "EUR").amount == Decimal("10.01")
    assert Money.of("1234.5", "JPY").amount == Decimal("1235")
    assert Money.of("1.2345", "KWD").amount == Decimal("1.235")


def test_money_renders_as_decimal_string_with_currency():
    assert Money.of("129", "EUR").as_json() == {"amount": "129.00", "currency": "EUR"}
    assert Money.of("15000", "JPY").as_json() == {"amount": "15000", "currency": "JPY"}


def test_adding_different_currencies_is_refused():
    with pytest.raises(ValueError, match="cannot add"):
        Money.of("1", "EUR") + Money.of("1", "USD")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["eur", "EURO", "E1", ""])
def test_currency_must_be_an_iso_code(code):
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), code)


@given(
    st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=20),
    st.sampled_from(["EUR", "USD", "GBP"]),
)
def test_sum_of_money_equals_sum_of_amounts(amounts, currency):
    total = Money.of(0, currency)
    for amount in amounts:
        total = total + Money.of(amount, currency)
    assert total.amount == quantize(sum(amounts, Decimal(0)), currency)
