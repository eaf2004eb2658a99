"""The local engine's flight-leg candidates: a SELECT (`SqlIds`) that also runs on its own."""

from datetime import UTC, datetime, timedelta

import pytest

from search.engines.base import LegQuery, SqlIds
from search.engines.local import LocalEngine
from tests.factories.catalog import AirportFactory, flight_fare

pytestmark = pytest.mark.django_db

NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=5)


def test_legs_by_origin_destination_and_departure_both_ends_included():
    a, b, c = (AirportFactory.create(iata=code) for code in ("AAA", "BBB", "CCC"))
    start = flight_fare(a, b, NOON).leg_id
    end = flight_fare(a, b, NOON + timedelta(hours=2)).leg_id
    to_c = flight_fare(a, c, NOON + timedelta(hours=1)).leg_id
    flight_fare(a, b, NOON + timedelta(hours=2, seconds=1))  # after the range
    flight_fare(b, a, NOON)  # another origin
    flight_fare(a, b, NOON, leg__flight_number="XX1", leg__is_cancelled=True)
    query = LegQuery(departs_from=NOON, departs_until=NOON + timedelta(hours=2), origins=("AAA",))

    ids = LocalEngine().flight_legs(query)

    assert isinstance(ids, SqlIds)
    assert sorted(ids) == sorted([start, end, to_c])
    to_b = LegQuery(query.departs_from, query.departs_until, origins=("AAA",), destination="BBB")
    assert sorted(LocalEngine().flight_legs(to_b)) == sorted([start, end])
    anywhere = LegQuery(query.departs_from, query.departs_until, destination="CCC")
    assert list(LocalEngine().flight_legs(anywhere)) == [to_c]
