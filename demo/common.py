"""Shared helpers of the demo builders: seeded randomness, factors, bulk writing."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import models

from demo import reference
from travelguru.money import quantize

T = TypeVar("T", bound=models.Model)
BATCH = 2000


def rng_for(seed: int, part: str) -> random.Random:
    """One independent, reproducible stream per part (str seeds hash with SHA-512)."""
    return random.Random(f"{seed}:{part}")


def days_from(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def in_batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_insert(
    model: type[T], rows: Iterable[T], progress: Callable[[int], object] | None = None
) -> int:
    n = 0
    for batch in in_batches(rows):
        model.objects.bulk_create(batch)
        n += len(batch)
        if progress:
            progress(len(batch))
    return n


def season_factor(day: date, latitude: float) -> float:
    """Summer holidays and the end-of-year peak cost more (by hemisphere)."""
    if (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day <= 4):
        return 1.3
    summer = (6, 7, 8) if latitude >= 0 else (12, 1, 2)
    if day.month in summer:
        return 1.25
    if day.month in ((1, 2, 11) if latitude >= 0 else (6, 7, 5)):
        return 0.88
    return 1.0


def local_price(usd: float, currency: str) -> Decimal:
    """A USD figure in local money, rounded like a price list would be."""
    rate = Decimal(reference.UNITS_PER_USD.get(currency, "1"))
    amount = Decimal(str(round(usd, 2))) * rate
    if rate >= 100:  # yen, won, rupiah…: whole hundreds look like real prices
        amount = (amount / 100).quantize(Decimal(1)) * 100
    elif rate >= 10:
        amount = amount.quantize(Decimal(1))
    return quantize(amount, currency)


def cost_level(country_code: str) -> float:
    return reference.COST_LEVEL.get(country_code, 1.0)
