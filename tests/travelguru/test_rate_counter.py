"""travelguru.rate_counter.rate_hit: the API throttles' shared counter (one UPDATE when allowed)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from travelguru import rate_counter
from travelguru.models import RateCounter
from travelguru.rate_counter import rate_hit

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def hits(n: int, *, key: str = "k", limit: int = 3, period: int = 60, now: datetime = NOW):
    return [rate_hit(key=key, limit=limit, period=period, now=now) for _ in range(n)]


def test_a_client_gets_its_budget_then_the_seconds_until_its_window_ends():
    allowed = hits(3)
    later = rate_hit(key="k", limit=3, period=60, now=NOW + timedelta(seconds=45))

    assert allowed == [None, None, None]
    assert later == 15.0  # the window opened at the first request, NOW
    assert RateCounter.objects.get(key="k").hits == 3  # refusals are not counted


def test_the_next_window_starts_at_the_first_request_after_the_last_one_ended():
    hits(4)
    after = NOW + timedelta(seconds=60)

    assert hits(4, now=after) == [None, None, None, 60.0]
    assert RateCounter.objects.get(key="k").window_ends == after + timedelta(seconds=60)


def test_each_key_has_its_own_budget():
    hits(3, key="throttle_anon_198.51.100.1")

    assert hits(1, key="throttle_anon_198.51.100.2") == [None]
    assert hits(1, key="throttle_anon_198.51.100.1") == [60.0]


def test_a_key_longer_than_the_column_is_counted_under_its_hash():
    long_key = "throttle_anon_" + "203.0.113.7," * 40

    assert hits(4, key=long_key) == [None, None, None, 60.0]
    assert hits(1, key=long_key[:-1]) == [None]  # another key, its own budget


def test_a_request_within_budget_is_one_statement():
    hits(1)

    with CaptureQueriesContext(connection) as queries:
        hits(1)

    assert len(queries) == 1
    assert queries[0]["sql"].startswith("UPDATE")


def test_counters_of_clients_gone_for_a_day_are_purged_when_a_new_client_comes():
    hits(1, key="old", now=NOW - timedelta(days=2))
    hits(1, key="recent", now=NOW - timedelta(hours=2))

    with mock.patch.object(rate_counter.secrets, "randbelow", return_value=0):
        hits(1, key="new")

    assert sorted(RateCounter.objects.values_list("key", flat=True)) == ["new", "recent"]


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_client_never_pass_its_budget():
    """16 Lambda instances at once on one client's brand-new counter: exactly the budget."""
    barrier = threading.Barrier(16)
    now = datetime.now(tz=UTC)

    def one(_: int) -> float | None:
        barrier.wait()
        try:
            return rate_hit(key="crowd", limit=10, period=60, now=now)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(one, range(16)))

    assert answers.count(None) == 10
    assert RateCounter.objects.get(key="crowd").hits == 10
