"""Dashboard aggregations against numbers worked out by hand on a small fixture.

The fixture (1-3 November 2026, UTC):
  searches  Nov 1: hotel Paris 10 ms, hotel Paris 20 ms, flight CDG->JFK 100 ms
            Nov 2: hotel Paris 30 ms, car LHR 5 ms
            Nov 3: hotel Rome 40 ms
            (Oct 31 and Nov 4: one hotel Paris search each, outside the range)
  holds     h1 Nov 1 (hotel + car), h2 Nov 2 (flight)
  bookings  b1 Nov 1: hotel Paris 2 nights lead 10 d EUR 200 + car LHR lead 10 d EUR 80
            b2 Nov 2: flight JFK lead 45 d USD 450
            b3 Nov 3: hotel Rome 5 nights lead 2 d EUR 500
  cancelled b1 on Nov 2: hotel refund EUR 100, car refund EUR 80
  payments  Nov 2: card_declined twice; Nov 3: payment-timeout once
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import selectors
from analytics.models import Event, EventKind
from tests.factories.analytics import EventFactory
from tests.factories.catalog import AirportFactory, CityFactory

pytestmark = pytest.mark.django_db

START, END = date(2026, 11, 1), date(2026, 11, 3)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_searches_and_bookings_per_day_by_product(small_history):
    table = selectors.activity_per_day(start=START, end=END)

    assert table.columns == [
        "day", "searches_flight", "searches_hotel", "searches_car",
        "bookings_flight", "bookings_hotel", "bookings_car",
    ]  # fmt: skip
    assert table.rows == [
        ("2026-11-01", 1, 2, 0, 0, 1, 1),
        ("2026-11-02", 0, 1, 1, 1, 0, 0),
        ("2026-11-03", 0, 1, 0, 0, 1, 0),
    ]


def test_top_searched_destinations_name_airports_by_city(small_history):
    table = selectors.top_destinations(start=START, end=END, kind=EventKind.SEARCH)

    assert table.rows == [
        ("Paris", 3), ("London", 1), ("New York", 1), ("Rome", 1),
    ]  # fmt: skip


def test_top_booked_destinations(small_history):
    table = selectors.top_destinations(start=START, end=END, kind=EventKind.BOOKING, limit=3)

    assert table.rows == [("London", 1), ("New York", 1), ("Paris", 1)]


def test_funnel_counts_trips_not_items(small_history):
    assert selectors.funnel(start=START, end=END).rows == [
        ("search", 6, 100.0), ("hold", 2, 33.33), ("booking", 3, 50.0),
    ]  # fmt: skip


def test_lead_time_distribution(small_history):
    assert selectors.lead_time_distribution(start=START, end=END).rows == [
        ("0-3", 1), ("4-7", 0), ("8-14", 2), ("15-30", 0), ("31-60", 1), ("61-90", 0),
        ("91+", 0),
    ]  # fmt: skip


def test_length_of_stay_counts_hotel_nights_only(small_history):
    assert selectors.length_of_stay(start=START, end=END).rows == [
        ("1", 0), ("2", 1), ("3", 0), ("4", 0), ("5", 1), ("6", 0), ("7", 0), ("8-14", 0),
        ("15+", 0),
    ]  # fmt: skip


def test_revenue_by_currency_and_product_with_refunds(small_history):
    assert selectors.revenue(start=START, end=END).rows == [
        ("EUR", "car", 1, Decimal("80.00"), Decimal("80.00")),
        ("EUR", "hotel", 2, Decimal("700.00"), Decimal("100.00")),
        ("USD", "flight", 1, Decimal("450.00"), Decimal("0.00")),
    ]


def test_cancellation_rate_of_bookings_made_in_the_range(small_history):
    assert selectors.cancellation_rate(start=START, end=END).rows == [
        ("flight", 1, 0, 0.0), ("hotel", 2, 1, 50.0), ("car", 1, 1, 100.0), ("all", 3, 1, 33.33),
    ]  # fmt: skip


def test_a_range_without_the_cancelled_booking_has_no_cancellations(small_history):
    rows = selectors.cancellation_rate(start=date(2026, 11, 2), end=END).rows

    assert rows[-1] == ("all", 2, 0, 0.0)


def test_failed_payments_per_day_and_reason(small_history):
    table = selectors.failed_payments(start=START, end=END)

    assert table.columns == ["day", "card_declined", "payment-timeout"]
    assert table.rows == [("2026-11-01", 0, 0), ("2026-11-02", 2, 0), ("2026-11-03", 0, 1)]


def test_latency_percentiles_on_the_fixture(small_history):
    assert selectors.search_latency_percentiles(start=START, end=END).rows == [
        ("flight", 1, 100.0, 100.0, 100.0, 100.0),
        ("hotel", 4, 20.0, 40.0, 40.0, 40.0),
        ("car", 1, 5.0, 5.0, 5.0, 5.0),
    ]


def test_latency_percentiles_use_the_nearest_rank(db):
    for ms in [7, 3, 20, 1, 15, 9, 12, 18, 2, 5, 11, 4, 19, 6, 14, 8, 16, 10, 13, 17]:
        EventFactory.create(kind=EventKind.SEARCH, product="car", latency_ms=ms)

    rows = selectors.search_latency_percentiles(start=START, end=START).rows

    assert rows[2] == ("car", 20, 10.0, 18.0, 19.0, 20.0)
    assert rows[0] == ("flight", 0, None, None, None, None)


def test_an_empty_range_gives_zeros_not_errors(db):
    day = date(2026, 1, 1)

    assert selectors.funnel(start=day, end=day).rows == [
        ("search", 0, None), ("hold", 0, None), ("booking", 0, None),
    ]  # fmt: skip
    assert selectors.revenue(start=day, end=day).rows == []
    assert selectors.activity_per_day(start=day, end=day).rows == [("2026-01-01", 0, 0, 0, 0, 0, 0)]


def test_an_airport_and_its_city_count_as_one_destination(db):
    AirportFactory.create(iata="ORY", city=CityFactory.create(name="Paris"))
    EventFactory.create(kind=EventKind.SEARCH, product="flight", destination="ORY")
    EventFactory.create(kind=EventKind.SEARCH, product="hotel", destination="Paris")
    EventFactory.create(kind=EventKind.SEARCH, product="car", destination="XXX")  # not an airport

    table = selectors.top_destinations(start=START, end=START, kind=EventKind.SEARCH)

    assert table.rows == [("Paris", 2), ("XXX", 1)]


@given(latencies=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=40))
@settings(max_examples=25)
def test_percentiles_match_the_nearest_rank_definition(db, latencies):
    Event.objects.all().delete()
    Event.objects.bulk_create(
        [
            Event(kind=EventKind.SEARCH, product="hotel", occurred_at=at(1), latency_ms=ms)
            for ms in latencies
        ]
    )
    ordered = sorted(latencies)
    expected = tuple(
        float(ordered[math.ceil(p / 100 * len(ordered)) - 1]) for p in (50, 90, 95, 99)
    )

    row = selectors.search_latency_percentiles(start=START, end=START).rows[1]

    assert row == ("hotel", len(latencies), *expected)
