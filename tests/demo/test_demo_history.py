"""Demo history: deterministic, plausible, and enough for every chart of the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics import selectors
from analytics.models import Event, EventKind
from demo.analytics import history_events, load_demo_history
from tests.factories.analytics import EventFactory
from tests.factories.catalog import AirportFactory, HotelFactory, RentalOfficeFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def catalog():
    airports = [AirportFactory.create(iata=code) for code in ("CDG", "JFK", "LHR", "NRT")]
    for airport in airports[:3]:
        HotelFactory.create(city=airport.city, currency="EUR")
        RentalOfficeFactory.create(airport=airport, currency="EUR")


def fingerprint(events):
    return [(e.kind, e.occurred_at, e.product, e.destination, e.amount) for e in events]


def test_the_same_seed_gives_the_same_history(catalog):
    first = history_events(seed=7, end=NOW.date(), days=10)
    again = history_events(seed=7, end=NOW.date(), days=10)
    other = history_events(seed=8, end=NOW.date(), days=10)

    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(other)


def test_history_fills_every_chart_of_the_last_30_days(catalog):
    load_demo_history(seed=42, now=NOW, days=120)

    start, end = NOW.date() - timedelta(days=30), NOW.date() - timedelta(days=1)
    kinds = set(
        selectors.events_between(start=start, end=end).values_list("kind", flat=True).distinct()
    )
    assert kinds == set(EventKind.values)
    funnel = {stage: n for stage, n, _ in selectors.funnel(start=start, end=end).rows}
    assert funnel["search"] > 5000
    assert 0.05 < funnel["hold"] / funnel["search"] < 0.15
    assert 0.4 < funnel["booking"] / funnel["hold"] < 0.8
    assert all(row[1] > 0 for row in selectors.activity_per_day(start=start, end=end).rows)
    latency = selectors.search_latency_percentiles(start=start, end=end).rows
    assert all(p50 < p90 < p99 for _, _, p50, p90, _, p99 in latency), latency
    # Nothing after "now", nothing older than 120 days.
    assert not Event.objects.filter(occurred_at__gte=NOW.replace(hour=0, minute=0)).exists()
    oldest = Event.objects.order_by("occurred_at").first().occurred_at
    assert oldest.date() == NOW.date() - timedelta(days=120)


def test_reloading_replaces_the_demo_rows_and_keeps_real_ones(catalog):
    real = EventFactory.create(session_id="real-traveler-1")
    first = load_demo_history(seed=42, now=NOW, days=5)

    second = load_demo_history(seed=42, now=NOW, days=5)

    assert first == second
    assert Event.objects.count() == second + 1
    assert Event.objects.filter(pk=real.pk).exists()


def test_without_a_catalog_there_is_no_history(db):
    assert load_demo_history(seed=42, now=NOW, days=5) == 0
