"""A context for every kind of message, as the services build them: for rendering tests and
the screenshots of each HTML kind."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from travelguru.money import Money

BOOKED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# 14:30 in Paris (UTC+1 in March) and a flight landing at 17:05 in New York (UTC-4)
FLIGHT = {
    "position": 0, "kind": "flight", "description": "AF 006 Paris CDG → New York JFK",
    "start": datetime(2027, 3, 20, 13, 30, tzinfo=UTC), "start_zone": "Europe/Paris",
    "end": datetime(2027, 3, 20, 21, 5, tzinfo=UTC), "end_zone": "America/New_York",
    "price": Money.of(Decimal("1234.50"), "EUR"),
    "free_cancellation_until": datetime(2027, 3, 18, 13, 30, tzinfo=UTC),
    "refund_after_deadline": Money.of(Decimal("617.25"), "EUR"),
    "refund": Money.of(Decimal("1234.50"), "EUR"),
}  # fmt: skip
HOTEL = {
    "position": 1, "kind": "hotel", "description": "The Jane, New York (2 nights)",
    "start": datetime(2027, 3, 20, 19, 0, tzinfo=UTC), "start_zone": "America/New_York",
    "end": datetime(2027, 3, 22, 15, 0, tzinfo=UTC), "end_zone": "America/New_York",
    "price": Money.of(Decimal("410.00"), "USD"),
    "free_cancellation_until": None,
    "refund_after_deadline": Money.of(Decimal("0.00"), "USD"),
    "refund": Money.of(Decimal("0.00"), "USD"),
}  # fmt: skip
TRIPS_URL = "http://127.0.0.1:8000/trips/TG-7K3QXM"

CONTEXTS: dict[str, dict[str, object]] = {
    "booking_confirmed": {
        "reference": "TG-7K3QXM", "booked_at": BOOKED_AT, "items": [FLIGHT, HOTEL],
        "travelers": [{"name": "Ada Lovelace"}, {"name": "Charles Babbage"}],
        "total_paid": [Money.of(Decimal("1234.50"), "EUR"), Money.of(Decimal("410.00"), "USD")],
        "trips_url": TRIPS_URL,
    },
    "booking_cancelled": {
        "reference": "TG-7K3QXM", "items": [FLIGHT, HOTEL],
        "refunds": [Money.of(Decimal("1234.50"), "EUR")], "trips_url": TRIPS_URL,
    },
    "refund_issued": {
        "amount": Money.of(Decimal("1234.50"), "EUR"), "trips_url": "http://127.0.0.1:8000/trips",
    },
    "hold_expiring": {
        "expires_at": datetime(2027, 3, 1, 9, 15, tzinfo=UTC), "minutes_left": 4,
        "items": [{"description": FLIGHT["description"], "price": FLIGHT["price"]}],
        "checkout_url": "http://127.0.0.1:8000/checkout",
    },
    "trip_reminder": {
        "reference": "TG-7K3QXM", "first": FLIGHT, "items": [FLIGHT, HOTEL],
        "trips_url": TRIPS_URL,
    },
    "review_invitation": {"reference": "TG-7K3QXM", "items": [HOTEL], "trips_url": TRIPS_URL},
}  # fmt: skip
