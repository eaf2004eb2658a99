from datetime import UTC, datetime
from decimal import Decimal

import pytest

from analytics.models import EventKind
from search.services.indexing import sync_index
from tests.factories.analytics import EventFactory
from tests.factories.catalog import AirportFactory, CityFactory


@pytest.fixture
def reindex():
    """Refresh the search index after creating catalog rows (as the scheduled job would)."""
    return lambda: sync_index(full=True)


# The small fixture whose numbers tests/analytics/test_selectors.py works out by hand.


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def item(kind, day, key, position, product, **fields):
    return EventFactory.create(
        kind=kind, occurred_at=at(day), group_key=key, position=position, product=product,
        **fields,
    )  # fmt: skip


@pytest.fixture
def small_history():
    for code, city in (("JFK", "New York"), ("LHR", "London"), ("CDG", "Paris")):
        AirportFactory.create(iata=code, city=CityFactory.create(name=city))
    search = EventKind.SEARCH
    EventFactory.create(kind=search, occurred_at=at(1, 0), destination="Paris", latency_ms=10)
    EventFactory.create(kind=search, occurred_at=at(1, 23), destination="Paris", latency_ms=20)
    EventFactory.create(
        kind=search, occurred_at=at(1), product="flight", origin="CDG", destination="JFK",
        latency_ms=100,
    )  # fmt: skip
    EventFactory.create(kind=search, occurred_at=at(2), destination="Paris", latency_ms=30)
    EventFactory.create(
        kind=search, occurred_at=at(2), product="car", destination="LHR", latency_ms=5
    )
    EventFactory.create(kind=search, occurred_at=at(3), destination="Rome", latency_ms=40)
    EventFactory.create(kind=search, occurred_at=datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
                 destination="Paris", latency_ms=999)  # fmt: skip
    EventFactory.create(kind=search, occurred_at=datetime(2026, 11, 4, 0, 0, tzinfo=UTC),
                 destination="Paris", latency_ms=999)  # fmt: skip

    hold, booking, cancel = EventKind.HOLD, EventKind.BOOKING, EventKind.CANCELLATION
    item(hold, 1, "h1", 0, "hotel")
    item(hold, 1, "h1", 1, "car")
    item(hold, 2, "h2", 0, "flight")
    eur, usd = {"currency": "EUR"}, {"currency": "USD"}
    item(booking, 1, "b1", 0, "hotel", destination="Paris", nights=2, lead_days=10,
         amount=Decimal("200.00"), **eur)  # fmt: skip
    item(booking, 1, "b1", 1, "car", destination="LHR", nights=2, lead_days=10,
         amount=Decimal("80.00"), **eur)  # fmt: skip
    item(booking, 2, "b2", 0, "flight", origin="CDG", destination="JFK", lead_days=45,
         amount=Decimal("450.00"), **usd)  # fmt: skip
    item(booking, 3, "b3", 0, "hotel", destination="Rome", nights=5, lead_days=2,
         amount=Decimal("500.00"), **eur)  # fmt: skip
    item(cancel, 2, "b1", 0, "hotel", amount=Decimal("100.00"), **eur)
    item(cancel, 2, "b1", 1, "car", amount=Decimal("80.00"), **eur)
    for _ in range(2):
        EventFactory.create(kind=EventKind.PAYMENT_FAILURE, occurred_at=at(2), product="",
                     detail="card_declined")  # fmt: skip
    EventFactory.create(kind=EventKind.PAYMENT_FAILURE, occurred_at=at(3), product="",
                 detail="payment-timeout")  # fmt: skip
