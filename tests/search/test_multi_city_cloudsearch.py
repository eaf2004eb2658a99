"""A multi-city search on CloudSearch: the requests it sends, checked by botocore's Stubber
against the service model, one per slice (direct flights) with that slice's day and route."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from search.engines.cloudsearch import CloudSearchEngine
from search.selectors import flights as flight_selectors
from search.selectors.flights import Party, SliceAsked, flight_multi_city_offers_list
from tests.factories.catalog import AirportFactory, flight_fare
from tests.search.test_cloudsearch import hit, page

pytestmark = pytest.mark.django_db


def _legs_request(origin: str, destination: str, day: date) -> dict:
    span = f"['{day.isoformat()}T00:00:00Z','{(day + timedelta(days=1)).isoformat()}T00:00:00Z']"
    return {
        "queryParser": "structured", "query": "matchall",
        "filterQuery": f"(and kind:'flight_leg' (range field=departure {span}) "
        f"origin:'{origin}' destination:'{destination}')",
        "cursor": "initial", "size": 10000, "return": "_no_fields",
    }  # fmt: skip


def test_each_slice_asks_cloudsearch_for_its_own_legs(monkeypatch):
    # given a trip of three slices, each with one direct flight in the schedule
    places = {
        code: AirportFactory.create(iata=code, timezone="UTC") for code in ["AAA", "BBB", "CCC"]
    }
    days = [datetime.now(UTC).date() + timedelta(days=n) for n in (10, 11, 12)]
    route = [("AAA", "BBB"), ("BBB", "CCC"), ("CCC", "AAA")]
    fares = [
        flight_fare(places[o], places[d], datetime.combine(day, time(9), tzinfo=UTC))
        for (o, d), day in zip(route, days, strict=True)
    ]
    domain = "tg.eu-west-1.cloudsearch.amazonaws.com"
    search = boto3.client(
        "cloudsearchdomain", region_name="eu-west-1", endpoint_url=f"https://search-{domain}"
    )
    docs = boto3.client(
        "cloudsearchdomain", region_name="eu-west-1", endpoint_url=f"https://doc-{domain}"
    )
    engine = CloudSearchEngine(search, docs)
    monkeypatch.setattr(flight_selectors, "get_engine", lambda: engine)

    with Stubber(search) as stub:
        for (origin, destination), day, fare in zip(route, days, fares, strict=True):
            stub.add_response(
                "search", page(hit("flight_leg", fare.leg_id)),
                _legs_request(origin, destination, day),
            )  # fmt: skip

        # when direct flights are searched
        results = flight_multi_city_offers_list(
            slices=[SliceAsked(o, d, day) for (o, d), day in zip(route, days, strict=True)],
            party=Party(adults=1), cabin="economy", max_stops=0,
            now=datetime.combine(days[0] - timedelta(days=1), time(0), tzinfo=UTC),
        )  # fmt: skip

        # then one request per slice, and the one trip they make
        stub.assert_no_pending_responses()
    assert [result.offer().slices for result in results] == [tuple((f.pk,) for f in fares)]
