"""Money is a Decimal amount with an ISO 4217 currency; never a float."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that are not 2. Everything else has cents.
_MINOR_UNITS = {
    "BHD": 3, "CLP": 0, "IDR": 0, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3,
    "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


# The minor unit as a Decimal, per number of minor units: built once, not per call (a hotel
# search rounds a price per free room type of every match).
_UNIT = {n: Decimal(1).scaleb(-n) for n in {2, *_MINOR_UNITS.values()}}


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (0.01 EUR, 1 JPY, 0.001 KWD)."""
    return amount.quantize(_UNIT[minor_units(currency)], rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Money:
        return cls(quantize(Decimal(amount), currency), currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money.of(self.amount + other.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        return Money.of(self.amount * Decimal(factor), self.currency)

    def as_json(self) -> dict[str, str]:
        return {"amount": str(quantize(self.amount, self.currency)), "currency": self.currency}


def totals_by_currency(prices: Iterable[Money]) -> list[Money]:
    """One sum per currency, in currency order (a USD flight and a EUR hotel: two)."""
    sums: dict[str, Money] = {}
    for price in prices:
        sums[price.currency] = sums[price.currency] + price if price.currency in sums else price
    return [sums[c] for c in sorted(sums)]
