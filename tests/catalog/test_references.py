"""Airports' and airlines' names kept by each process for flight results
(`catalog.references`): read once per table when first needed, shown new at once where the
catalog is edited, and within the TTL elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import references
from catalog.models import Airline, Airport
from search.selectors.flights import Party, flight_offers_list
from tests.factories.catalog import AirlineFactory, AirportFactory, flight_fare

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
DAY = NOW.date() + timedelta(days=10)


@pytest.fixture
def route():
    """Paris to Rome, direct on 6 airlines, and through Zurich on a 7th."""
    cdg = AirportFactory.create(iata="CDG", timezone="Europe/Paris")
    fco = AirportFactory.create(iata="FCO", timezone="Europe/Rome")
    zrh = AirportFactory.create(iata="ZRH", timezone="Europe/Zurich")
    start = datetime(DAY.year, DAY.month, DAY.day, 7, 0, tzinfo=UTC)
    for n in range(6):
        flight_fare(cdg, fco, start + timedelta(hours=n), leg__airline=AirlineFactory.create())
    swiss = AirlineFactory.create(iata="LX", name="Swiss")
    flight_fare(cdg, zrh, start, leg__airline=swiss)
    flight_fare(zrh, fco, start + timedelta(hours=3), leg__airline=swiss)
    return {"CDG": cdg, "FCO": fco, "ZRH": zrh, "swiss": swiss}


def _search() -> list:
    return flight_offers_list(
        origin="CDG", destination="FCO", day=DAY, party=Party(adults=1), cabin="economy",
        now=NOW,
    )  # fmt: skip


def _names_read(queries: list[dict]) -> dict[str, int]:
    """How many of the statements read airports or airlines by id (not by code: the search's
    own airports query)."""
    by_id = [q["sql"] for q in queries if "iata" in q["sql"] and "IN (" in q["sql"]]
    by_id = [sql for sql in by_id if "WHERE" in sql and "iata" not in sql.split("WHERE")[1]]
    return {
        "airports": sum(Airport._meta.db_table in sql for sql in by_id),
        "airlines": sum(Airline._meta.db_table in sql for sql in by_id),
    }


def _airlines_shown(results: list) -> set[str]:
    return {leg.airline_name for result in results for leg in result.legs}


def test_a_process_reads_each_table_once_however_many_flights_it_shows(route):
    with CaptureQueriesContext(connection) as first:
        results = _search()
    with CaptureQueriesContext(connection) as second:
        again = _search()

    assert len(results) == 7  # 6 direct, 1 through Zurich
    assert _names_read(first.captured_queries) == {"airports": 1, "airlines": 1}
    assert _names_read(second.captured_queries) == {"airports": 0, "airlines": 0}
    assert len(second.captured_queries) == len(first.captured_queries) - 2
    assert _airlines_shown(again) == _airlines_shown(results)
    connecting = next(r for r in results if r.outbound.stops == 1)
    assert [leg.destination.code for leg in connecting.legs] == ["ZRH", "FCO"]
    assert connecting.legs[0].destination.timezone == "Europe/Zurich"


def test_an_airline_renamed_in_the_admin_shows_in_the_next_search(
    route, admin_client, django_capture_on_commit_callbacks
):
    assert "Swiss" in _airlines_shown(_search())
    swiss = route["swiss"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/airline/{swiss.pk}/change/",
            {"iata": "LX", "name": "Swiss International Air Lines", "country_code": "CH",
             "economy_checked_bags": 1},
        )  # fmt: skip
    assert response.status_code == 302

    shown = _airlines_shown(_search())
    assert "Swiss International Air Lines" in shown
    assert "Swiss" not in shown


def test_a_name_changed_by_another_process_shows_once_the_kept_one_is_old(route, monkeypatch):
    assert "Swiss" in _airlines_shown(_search())
    # Another Lambda instance renames the airline: nothing tells this process.
    Airline.objects.filter(pk=route["swiss"].pk).update(name="Swiss Air")
    now = references.time.monotonic()

    still = _airlines_shown(_search())
    monkeypatch.setattr(
        references.time, "monotonic", lambda: now + references.REFERENCE_TTL_SECONDS + 1
    )
    later = _airlines_shown(_search())

    assert "Swiss" in still
    assert "Swiss Air" in later
    assert "Swiss" not in later


def test_names_are_read_again_only_once_the_edit_commits(route, django_capture_on_commit_callbacks):
    _search()
    Airport.objects.filter(pk=route["ZRH"].pk).update(name="Zurich Kloten")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        references.forget_after_commit()
        before_commit = references.places_by_id([route["ZRH"].pk])[route["ZRH"].pk].name
    for callback in callbacks:
        callback()  # the commit
    after_commit = references.places_by_id([route["ZRH"].pk])[route["ZRH"].pk].name

    assert before_commit == "ZRH International Airport"
    assert after_commit == "Zurich Kloten"


@pytest.mark.parametrize("count", [1, 7, 8, 9, 33, 600])
def test_any_number_of_ids_is_read_in_a_few_statement_shapes(count):
    airports = [AirportFactory.create() for _ in range(count)]
    ids = [a.pk for a in airports]

    with CaptureQueriesContext(connection) as read:
        places = references.places_by_id([*ids, *ids[:3]])  # repeated ids asked once

    assert {places[i].code for i in ids} == {a.iata for a in airports}
    assert len(read.captured_queries) == (2 if count > 512 else 1)
    # The statement's IN list has one of a few lengths, whatever the count asked.
    for query in read.captured_queries:
        listed = query["sql"].split("IN (")[1].split(")")[0].count(",") + 1
        assert listed in (8, 32, 128, 512)


def test_an_id_with_no_airport_is_left_out():
    airport = AirportFactory.create()

    places = references.places_by_id([airport.pk, airport.pk + 1000])

    assert airport.pk in places
    assert airport.pk + 1000 not in places
