"""How a price for what the traveler asked is computed from inventory rows.

Pure functions over Decimal, shared by search (to quote), the offer re-check and holds,
so that the number a traveler saw and the number they pay come from one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from travelguru.money import Money

# Share of the adult fare a child (2–11, own seat) and a lap infant (<2) pay.
CHILD_FARE_FACTOR = Decimal("0.75")
INFANT_FARE_FACTOR = Decimal("0.10")


def flight_price(
    *, adult_fares: Iterable[Money], adults: int, children: int = 0, infants: int = 0
) -> Money:
    """Sum over legs of the adult fare for every adult plus child and infant shares."""
    factor = flight_fare_factor(adults=adults, children=children, infants=infants)
    return _sum(fare.times(factor) for fare in adult_fares)


def flight_fare_factor(*, adults: int, children: int = 0, infants: int = 0) -> Decimal:
    """How many adult fares a party pays on one leg: that leg's price is
    `adult_fare.times(factor)` (what `flight_price` sums)."""
    return adults + CHILD_FARE_FACTOR * children + INFANT_FARE_FACTOR * infants


def stay_price(*, night_prices: Iterable[Money], rooms: int) -> Money:
    """Every night's room price times the number of rooms."""
    return _sum(price.times(rooms) for price in night_prices)


def rental_price(*, day_prices: Iterable[Money]) -> Money:
    """Every rental day's price, for one car."""
    return _sum(day_prices)


def seats_needed(*, adults: int, children: int, infants: int) -> int:
    """Lap infants share an adult's seat."""
    return adults + children


def _sum(prices: Iterable[Money]) -> Money:
    total: Money | None = None
    for price in prices:
        total = price if total is None else total + price
    if total is None:
        raise ValueError("nothing to price")
    return total
