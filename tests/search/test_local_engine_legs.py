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


def test_a_flight_search_reads_the_schedule_without_asking_the_local_engine(
    api_client, settings, monkeypatch
):
    # given the local engine (its legs are the schedule) and a direct and a connection
    settings.SEARCH_BACKEND = "local"
    a, hub, b = (AirportFactory.create(iata=code, timezone="UTC") for code in ("AAA", "HUB", "BBB"))
    flight_fare(a, b, NOON, leg__flight_number="D1")
    flight_fare(a, hub, NOON, minutes=60, leg__flight_number="C1")
    flight_fare(hub, b, NOON + timedelta(hours=2), leg__flight_number="C2")

    def asked(self, query):
        raise AssertionError("the local engine was asked for flight legs")

    monkeypatch.setattr(LocalEngine, "flight_legs", asked)

    # when searched
    day = NOON.date().isoformat()
    one_way = api_client.get(
        "/api/flights/search", {"origin": "AAA", "destination": "BBB", "date": day}
    )

    # then both itineraries are found from the schedule alone
    assert one_way.status_code == 200, one_way.content
    assert sorted(
        [leg["flight_number"] for leg in offer["outbound"]["legs"]]
        for offer in one_way.json()["results"]
    ) == [["C1", "C2"], ["D1"]]
