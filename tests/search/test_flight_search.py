"""GET /api/flights/search: itineraries on the origin's local day, priced, as offers."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import FlightFare, FlightLeg
from search.apis.flights import FlightSearchApi
from search.offers import FlightOffer, offer_decode
from search.selectors.flights import Party, flight_offers_list
from tests.factories.catalog import AirlineFactory, AirportFactory, flight_fare
from tests.search.references import names_kept_by_this_process
from travelguru import results_cache as cache
from travelguru.money import Money

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flight_index")]

URL = "/api/flights/search"


def _day(days_ahead: int = 10) -> date:
    return datetime.now(UTC).date() + timedelta(days=days_ahead)


def _at(day: date, hh_mm: str, tz: str = "UTC") -> datetime:
    """`hh_mm` on `day` in `tz`, as an aware UTC datetime."""
    local = datetime.combine(day, time.fromisoformat(hh_mm), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def _winter_day() -> date:
    """A searchable day when New York is on standard time (UTC-5) and London on GMT."""
    day = _day(2)
    while day.month not in (12, 1, 2):
        day += timedelta(days=1)
    return day


def _search(api_client, **params):
    params.setdefault("origin", "ORG")
    params.setdefault("destination", "DST")
    params.setdefault("date", _day().isoformat())
    return api_client.get(URL, params)


def _flights(response) -> list[list[str]]:
    """Flight numbers of every offer's outbound (and return) legs, in the order answered."""
    assert response.status_code == 200, response.content
    return [
        [leg["flight_number"] for leg in offer["outbound"]["legs"]]
        + [leg["flight_number"] for leg in (offer["return"] or {"legs": []})["legs"]]
        for offer in response.json()["results"]
    ]


@pytest.fixture
def places() -> dict:
    return {
        code: AirportFactory.create(
            iata=code, name=f"{code} Airport", city_name=f"{code} City", timezone="UTC"
        )
        for code in ("ORG", "HUB", "ALT", "DST")
    }


def test_a_direct_flight_is_one_offer_with_every_detail(api_client):
    # given a winter evening flight from New York to London
    day = _winter_day()
    jfk = AirportFactory.create(
        iata="JFK",
        name="John F Kennedy International Airport",
        city_name="New York",
        country_code="US",
        timezone="America/New_York",
    )
    lhr = AirportFactory.create(
        iata="LHR",
        name="London Heathrow Airport",
        city_name="London",
        country_code="GB",
        timezone="Europe/London",
    )
    fare = flight_fare(
        jfk,
        lhr,
        _at(day, "23:30"),
        minutes=415,
        leg__flight_number="BA178",
        leg__airline=AirlineFactory.create(iata="BA", name="British Airways"),
        leg__aircraft="Boeing 777-300ER",
        leg__distance_km=5555,
        price=Decimal("412.50"),
        seats_available=7,
        checked_bags=1,
        cabin_bags=1,
        refundable=False,
        change_fee=Decimal("75.00"),
    )

    # when
    response = _search(api_client, origin="jfk", destination="lhr", date=day.isoformat())

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    offer = body["results"][0]
    jfk_json = {
        "code": "JFK",
        "name": "John F Kennedy International Airport",
        "city": "New York",
        "country_code": "US",
        "timezone": "America/New_York",
    }
    lhr_json = {
        "code": "LHR",
        "name": "London Heathrow Airport",
        "city": "London",
        "country_code": "GB",
        "timezone": "Europe/London",
    }
    departure = f"{day.isoformat()}T18:30:00-05:00"
    arrival = f"{(day + timedelta(days=1)).isoformat()}T06:25:00+00:00"
    assert offer == {
        "offer_id": offer["offer_id"],
        "kind": "flight",
        "price": {"amount": "412.50", "currency": "USD"},
        "price_per_adult": {"amount": "412.50", "currency": "USD"},
        "available": 7,
        "cabin": "economy",
        "passengers": {"adults": 1, "children": 0, "infants": 0},
        "outbound": {
            "origin": jfk_json,
            "destination": lhr_json,
            "departure": departure,
            "arrival": arrival,
            "duration_minutes": 415,
            "stops": 0,
            "legs": [
                {
                    "flight_number": "BA178",
                    "airline": {"code": "BA", "name": "British Airways"},
                    "origin": jfk_json,
                    "destination": lhr_json,
                    "departure": departure,
                    "arrival": arrival,
                    "duration_minutes": 415,
                    "aircraft": "Boeing 777-300ER",
                    "distance_km": 5555,
                }
            ],
            "connections": [],
        },
        "return": None,
        "baggage": {"checked_bags": 1, "cabin_bags": 1},
        "fare_rules": {"refundable": False, "change_fee": {"amount": "75.00", "currency": "USD"}},
    }
    assert offer_decode(offer["offer_id"]) == FlightOffer(
        slices=((fare.pk,),),
        adults=1,
        children=0,
        infants=0,
        price=Money.of("412.50", "USD"),
    )
    assert body["search"] == {
        "origin": "JFK",
        "destination": "LHR",
        "date": day.isoformat(),
        "return_date": None,
        "cabin": "economy",
        "passengers": {"adults": 1, "children": 0, "infants": 0},
        "max_stops": 1,
        "sort": "price",
    }


def test_the_date_is_the_local_day_at_the_origin(api_client):
    # given a JFK departure at 01:30 UTC, i.e. 20:30 the evening before in New York
    day = _winter_day()
    jfk = AirportFactory.create(iata="JFK", timezone="America/New_York")
    lhr = AirportFactory.create(iata="LHR", timezone="Europe/London")
    flight_fare(jfk, lhr, _at(day + timedelta(days=1), "01:30"), leg__flight_number="NY1")

    # when / then it belongs to the local day, not to the UTC one
    on_local_day = _search(api_client, origin="JFK", destination="LHR", date=day.isoformat())
    assert _flights(on_local_day) == [["NY1"]]
    assert on_local_day.json()["results"][0]["outbound"]["departure"] == (
        f"{day.isoformat()}T20:30:00-05:00"
    )
    on_utc_day = _search(
        api_client, origin="JFK", destination="LHR", date=(day + timedelta(days=1)).isoformat()
    )
    assert _flights(on_utc_day) == []


def test_one_stop_itinerary_connects_at_the_same_airport(api_client, places):
    # given
    day = _day()
    flight_fare(
        places["ORG"], places["DST"], _at(day, "09:00"), minutes=300, leg__flight_number="D1"
    )
    flight_fare(
        places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, leg__flight_number="F1"
    )
    flight_fare(
        places["HUB"], places["DST"], _at(day, "10:30"), minutes=120, leg__flight_number="S1"
    )

    # when
    response = _search(api_client, date=day.isoformat())

    # then
    assert _flights(response) == [["D1"], ["F1", "S1"]]
    one_stop = response.json()["results"][1]["outbound"]
    assert one_stop["stops"] == 1
    assert one_stop["connections"] == [{"airport": "HUB", "minutes": 90}]
    assert one_stop["duration_minutes"] == 270
    assert one_stop["departure"] == f"{day.isoformat()}T08:00:00+00:00"
    assert one_stop["arrival"] == f"{day.isoformat()}T12:30:00+00:00"
    assert response.json()["results"][1]["price"] == {"amount": "200.00", "currency": "USD"}


def test_max_stops_0_offers_only_direct_flights(api_client, places):
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__flight_number="D1")
    flight_fare(
        places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, leg__flight_number="F1"
    )
    flight_fare(places["HUB"], places["DST"], _at(day, "10:30"), leg__flight_number="S1")

    response = _search(api_client, date=day.isoformat(), max_stops="0")

    assert _flights(response) == [["D1"]]
    assert response.json()["search"]["max_stops"] == 0


def test_a_cabin_without_a_fare_or_without_enough_seats_is_not_offered(api_client, places):
    # given a direct leg sold only in economy, and a connection whose second leg has
    # one business seat left
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__flight_number="D1")
    flight_fare(
        places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, cabin="business",
        seats_available=9, leg__flight_number="F1",
    )  # fmt: skip
    flight_fare(
        places["HUB"], places["DST"], _at(day, "10:30"), cabin="business", seats_available=1,
        leg__flight_number="S1",
    )  # fmt: skip

    # when / then
    assert _flights(_search(api_client, date=day.isoformat(), cabin="business", adults=2)) == []
    assert _flights(_search(api_client, date=day.isoformat(), cabin="first")) == []
    # a lap infant needs no seat: one adult and one infant fit in the last seat
    assert _flights(
        _search(api_client, date=day.isoformat(), cabin="business", adults=1, infants=1)
    ) == [["F1", "S1"]]


def test_available_is_the_fewest_seats_over_the_legs(api_client, places):
    day = _day()
    flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, seats_available=9)
    flight_fare(places["HUB"], places["DST"], _at(day, "10:30"), seats_available=4)

    response = _search(api_client, date=day.isoformat())

    assert [offer["available"] for offer in response.json()["results"]] == [4]


def test_the_party_price_is_exact(api_client, places):
    # given two legs at 100.00 USD each
    day = _day()
    first = flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60)
    second = flight_fare(places["HUB"], places["DST"], _at(day, "10:30"))

    # when two adults, a child and an infant fly
    response = _search(api_client, date=day.isoformat(), adults=2, children=1, infants=1)

    # then each leg costs 100.00 x (2 + 0.75 + 0.10) = 285.00
    offer = response.json()["results"][0]
    assert offer["price"] == {"amount": "570.00", "currency": "USD"}
    assert offer["price_per_adult"] == {"amount": "200.00", "currency": "USD"}
    assert offer["passengers"] == {"adults": 2, "children": 1, "infants": 1}
    assert offer_decode(offer["offer_id"]) == FlightOffer(
        slices=((first.pk, second.pk),),
        adults=2,
        children=1,
        infants=1,
        price=Money(Decimal("570.00"), "USD"),
    )


def test_passengers_is_the_number_of_adults(api_client, places):
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), price=Decimal("99.99"))

    response = _search(api_client, date=day.isoformat(), passengers=3)

    offer = response.json()["results"][0]
    assert offer["price"] == {"amount": "299.97", "currency": "USD"}
    assert offer["passengers"] == {"adults": 3, "children": 0, "infants": 0}


def test_a_round_trip_is_one_offer_priced_outbound_plus_return(api_client, places):
    # given an outbound at 100.00 and a return at 150.00
    day, back = _day(), _day(14)
    outbound = flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__flight_number="O1")
    inbound = flight_fare(
        places["DST"], places["ORG"], _at(back, "17:00"), price=Decimal("150.00"),
        change_fee=None, leg__flight_number="R1",
    )  # fmt: skip

    # when an adult and a child go
    response = _search(
        api_client, date=day.isoformat(), return_date=back.isoformat(), adults=1, children=1
    )

    # then (100.00 + 150.00) x 1.75
    assert _flights(response) == [["O1", "R1"]]
    offer = response.json()["results"][0]
    assert offer["price"] == {"amount": "437.50", "currency": "USD"}
    assert offer["price_per_adult"] == {"amount": "250.00", "currency": "USD"}
    assert offer["return"]["departure"] == f"{back.isoformat()}T17:00:00+00:00"
    assert offer["fare_rules"] == {"refundable": False, "change_fee": None}
    assert offer_decode(offer["offer_id"]) == FlightOffer(
        slices=((outbound.pk,), (inbound.pk,)),
        adults=1,
        children=1,
        infants=0,
        price=Money(Decimal("437.50"), "USD"),
    )
    assert response.json()["search"]["return_date"] == back.isoformat()


def test_the_return_date_is_the_local_day_at_the_destination(api_client):
    # given a return from New York leaving 20:30 local, 01:30 UTC the next day
    day = _winter_day()
    lhr = AirportFactory.create(iata="LHR", timezone="Europe/London")
    jfk = AirportFactory.create(iata="JFK", timezone="America/New_York")
    flight_fare(lhr, jfk, _at(day, "09:00"), leg__flight_number="OUT")
    flight_fare(jfk, lhr, _at(day + timedelta(days=1), "01:30"), leg__flight_number="BACK")

    response = _search(
        api_client, origin="LHR", destination="JFK", date=day.isoformat(),
        return_date=day.isoformat(),
    )  # fmt: skip

    assert _flights(response) == [["OUT", "BACK"]]


def test_a_same_day_return_must_leave_after_the_outbound_lands(api_client, places):
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__flight_number="O1")
    flight_fare(places["DST"], places["ORG"], _at(day, "10:00"), leg__flight_number="TOO-SOON")
    flight_fare(places["DST"], places["ORG"], _at(day, "18:00"), leg__flight_number="R1")

    response = _search(api_client, date=day.isoformat(), return_date=day.isoformat())

    assert _flights(response) == [["O1", "R1"]]


def test_round_trips_combine_at_most_the_best_25_each_way(api_client, places):
    # given 30 outbound and 30 return flights
    day, back = _day(), _day(12)
    for n in range(30):
        flight_fare(places["ORG"], places["DST"], _at(day, "06:00") + timedelta(minutes=10 * n),
                    price=Decimal(100 + n), leg__flight_number=f"O{n}")  # fmt: skip
        flight_fare(places["DST"], places["ORG"], _at(back, "06:00") + timedelta(minutes=10 * n),
                    price=Decimal(200 + n), leg__flight_number=f"R{n}")  # fmt: skip

    # when
    response = _search(
        api_client, date=day.isoformat(), return_date=back.isoformat(), page_size=100
    )

    # then the 25 cheapest each way, 625 pairs, cheapest first
    body = response.json()
    assert body["count"] == 625
    assert _flights(response)[:3] == [["O0", "R0"], ["O0", "R1"], ["O1", "R0"]]
    assert body["results"][0]["price"] == {"amount": "300.00", "currency": "USD"}
    offered = {tuple(flights) for flights in _flights(api_client.get(body["next"]))}
    assert not any("O25" in pair or "R29" in pair for pair in offered)


def test_departures_already_gone_are_never_offered(places):
    # given "now" is 12:00 on the day searched
    day = _day()
    now = _at(day, "12:00")
    flight_fare(places["ORG"], places["DST"], _at(day, "11:00"), leg__flight_number="GONE")
    flight_fare(places["ORG"], places["DST"], _at(day, "12:00"), leg__flight_number="NOW")
    flight_fare(places["ORG"], places["DST"], _at(day, "12:01"), leg__flight_number="LATER")

    # when
    results = flight_offers_list(
        origin="ORG", destination="DST", day=day, party=Party(adults=1), cabin="economy", now=now
    )

    # then
    assert [r.outbound.legs[0].flight_number for r in results] == ["LATER"]


def test_a_flight_that_left_minutes_ago_is_not_offered_by_the_api(api_client, places):
    gone = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    flight_fare(places["ORG"], places["DST"], gone, leg__flight_number="GONE")

    response = _search(api_client, date=gone.date().isoformat())

    assert response.status_code == 200
    assert _flights(response) == []


def test_cancelled_legs_are_not_offered(api_client, places):
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__is_cancelled=True)
    flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60)
    flight_fare(places["HUB"], places["DST"], _at(day, "10:30"), leg__is_cancelled=True)

    assert _flights(_search(api_client, date=day.isoformat())) == []


def test_legs_in_different_currencies_are_never_added_up(api_client, places):
    day, back = _day(), _day(12)
    flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, currency="USD")
    flight_fare(places["HUB"], places["DST"], _at(day, "10:30"), currency="EUR")
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), currency="USD",
                leg__flight_number="O1")  # fmt: skip
    flight_fare(places["DST"], places["ORG"], _at(back, "09:00"), currency="EUR")

    one_way = _search(api_client, date=day.isoformat())
    round_trip = _search(api_client, date=day.isoformat(), return_date=back.isoformat())

    assert _flights(one_way) == [["O1"]]
    assert _flights(round_trip) == []


def test_baggage_and_fare_rules_hold_for_every_leg(api_client, places):
    day = _day()
    flight_fare(
        places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60, checked_bags=2,
        cabin_bags=1, refundable=True, change_fee=Decimal("75.00"),
    )  # fmt: skip
    flight_fare(
        places["HUB"], places["DST"], _at(day, "10:30"), checked_bags=1, cabin_bags=2,
        refundable=False, change_fee=Decimal("50.00"),
    )  # fmt: skip

    offer = _search(api_client, date=day.isoformat()).json()["results"][0]

    assert offer["baggage"] == {"checked_bags": 1, "cabin_bags": 1}
    assert offer["fare_rules"] == {
        "refundable": False,
        "change_fee": {"amount": "125.00", "currency": "USD"},
    }


def test_sort_orders_are_exact(api_client, places):
    # given three itineraries: CHEAP leaves last, QUICK is shortest, EARLY leaves first
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "06:00"), minutes=300,
                price=Decimal("300.00"), leg__flight_number="EARLY")  # fmt: skip
    flight_fare(places["ORG"], places["DST"], _at(day, "07:00"), minutes=120,
                price=Decimal("200.00"), leg__flight_number="QUICK")  # fmt: skip
    flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60,
                price=Decimal("50.00"), leg__flight_number="CHEAP1")  # fmt: skip
    flight_fare(places["HUB"], places["DST"], _at(day, "10:00"), minutes=60,
                price=Decimal("50.00"), leg__flight_number="CHEAP2")  # fmt: skip

    def order(sort: str) -> list[list[str]]:
        return _flights(_search(api_client, date=day.isoformat(), sort=sort))

    # then
    assert order("price") == [["CHEAP1", "CHEAP2"], ["QUICK"], ["EARLY"]]
    assert order("duration") == [["QUICK"], ["CHEAP1", "CHEAP2"], ["EARLY"]]
    assert order("departure") == [["EARLY"], ["QUICK"], ["CHEAP1", "CHEAP2"]]


def test_ties_are_broken_by_the_other_criteria_then_by_fare(api_client, places):
    # given same price; B shorter than A; C and D identical in everything but fare id
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "10:00"), minutes=200,
                leg__flight_number="A")  # fmt: skip
    flight_fare(places["ORG"], places["DST"], _at(day, "11:00"), minutes=100,
                leg__flight_number="B")  # fmt: skip
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), minutes=150,
                leg__flight_number="C")  # fmt: skip
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), minutes=150,
                leg__flight_number="D")  # fmt: skip

    assert _flights(_search(api_client, date=day.isoformat())) == [["B"], ["C"], ["D"], ["A"]]
    assert _flights(_search(api_client, date=day.isoformat(), sort="departure")) == [
        ["C"], ["D"], ["A"], ["B"],
    ]  # fmt: skip


def test_results_are_paginated_with_the_query_echoed(api_client, places):
    day = _day()
    for n in range(3):
        flight_fare(places["ORG"], places["DST"], _at(day, "08:00") + timedelta(hours=n),
                    price=Decimal(100 + n), leg__flight_number=f"P{n}")  # fmt: skip

    response = _search(api_client, date=day.isoformat(), page_size=2, page=2, cabin="economy")

    body = response.json()
    assert body["count"] == 3
    assert body["next"] is None
    assert "page=" not in body["previous"]
    assert "page_size=2" in body["previous"]
    assert _flights(response) == [["P2"]]
    assert body["search"]["origin"] == "ORG"


def _queries_for(api_client, **params) -> int:
    cache.clear()  # the search itself, not its cached answer
    with CaptureQueriesContext(connection) as context:
        response = _search(api_client, page_size=100, **params)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_results(
    api_client, places, django_assert_max_num_queries, flight_index
):
    # given a day with one direct leg, and a day with 30 legs (10 direct, 10 + 10 connecting)
    quiet, busy, back = _day(10), _day(11), _day(13)
    flight_fare(places["ORG"], places["DST"], _at(quiet, "09:00"))
    flight_fare(places["ORG"], places["HUB"], _at(quiet, "06:00"))
    flight_fare(places["HUB"], places["DST"], _at(quiet, "10:00"))
    for n in range(10):
        start = _at(busy, "06:00") + timedelta(minutes=15 * n)
        flight_fare(places["ORG"], places["DST"], start)
        flight_fare(places["ORG"], places["HUB" if n % 2 else "ALT"], start, minutes=60)
        flight_fare(
            places["HUB" if n % 2 else "ALT"],
            places["DST"],
            _at(busy, "12:00") + timedelta(minutes=n),
        )
        flight_fare(places["DST"], places["ORG"], _at(back, "09:00") + timedelta(minutes=n))

    flight_index.sync()
    names_kept_by_this_process()

    # when / then: the search cache's version, airports, legs leaving, legs arriving (and
    # the same for the return), the airlines' ratings and the index freshness
    with flight_index.paused():
        with django_assert_max_num_queries(6):
            quiet_response = _search(api_client, date=quiet.isoformat(), page_size=100)
        with django_assert_max_num_queries(6):
            busy_response = _search(api_client, date=busy.isoformat(), page_size=100)
        assert quiet_response.json()["count"] == 2
        assert busy_response.json()["count"] == 10 + 2 * 5 * 5  # 5 x 5 connections per hub
        assert _queries_for(api_client, date=quiet.isoformat()) == _queries_for(
            api_client, date=busy.isoformat()
        )
        # a round trip: both directions' fares in the same two queries
        with django_assert_max_num_queries(6):
            response = _search(
                api_client, date=busy.isoformat(), return_date=back.isoformat(), page_size=100
            )
    assert response.json()["count"] == 25 * 10


def _declared_keys(serializer) -> dict:
    from rest_framework import serializers

    keys = {}
    for name, field in serializer.fields.items():
        child = getattr(field, "child", field)
        nested = isinstance(
            child, serializers.Serializer
        ) and not child.__class__.__name__.startswith("Money")
        keys[name] = _declared_keys(child) if nested else None
    return keys


def _answered_keys(value) -> dict | None:
    if isinstance(value, list):
        return _answered_keys(value[0]) if value else None
    if isinstance(value, dict) and set(value) != {"amount", "currency"}:
        return {key: _answered_keys(item) for key, item in value.items()}
    return None


def test_the_answer_has_exactly_the_documented_fields(api_client, places):
    day, back = _day(), _day(12)
    flight_fare(places["ORG"], places["HUB"], _at(day, "08:00"), minutes=60)
    flight_fare(places["HUB"], places["DST"], _at(day, "10:30"))
    flight_fare(places["DST"], places["ALT"], _at(back, "08:00"), minutes=60)
    flight_fare(places["ALT"], places["ORG"], _at(back, "10:30"))

    offer = _search(api_client, date=day.isoformat(), return_date=back.isoformat()).json()[
        "results"
    ][0]

    assert _answered_keys(offer) == _declared_keys(FlightSearchApi.OutputSerializer())


def test_the_schema_documents_the_search(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/flights/search"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "origin", "destination", "date", "return_date", "passengers", "adults", "children",
        "infants", "cabin", "max_stops", "sort", "page", "page_size",
    }  # fmt: skip
    # 401: a malformed bearer token; 404: a page past the last; 406: no JSON accepted;
    # 413/415: a body too large or not JSON, even on a GET; 503: the database is away; 429
    # when throttled (travelguru.schema adds them).
    from search.apis.flights import FlightSearchApi

    problems = {"400", "401", "404", "406", "413", "415", "503"}
    problems |= {"429"} if FlightSearchApi().get_throttles() else set()
    assert set(operation["responses"]) == {"200"} | problems
    for code in problems:
        assert list(operation["responses"][code]["content"]) == ["application/problem+json"]


def test_a_stale_index_may_hide_a_new_leg_but_never_sells_a_changed_one(
    api_client, places, flight_index
):
    # given an index refreshed with three legs
    day = _day()
    flight_fare(places["ORG"], places["DST"], _at(day, "09:00"), leg__flight_number="KEPT")
    sold = flight_fare(places["ORG"], places["DST"], _at(day, "10:00"), leg__flight_number="SOLD")
    gone = flight_fare(places["ORG"], places["DST"], _at(day, "11:00"), leg__flight_number="CANX")
    flight_index.sync()

    with flight_index.paused():
        # when a leg is added, a fare sells out and a leg is cancelled before the next sync
        flight_fare(places["ORG"], places["DST"], _at(day, "12:00"), leg__flight_number="NEW")
        FlightFare.objects.filter(pk=sold.pk).update(seats_available=0)
        FlightLeg.objects.filter(pk=gone.leg_id).update(is_cancelled=True)
        stale = _flights(_search(api_client, date=day.isoformat(), sort="departure"))
    fresh = _flights(_search(api_client, date=day.isoformat(), sort="departure"))

    # then the database decides seats and cancellations at once; the new leg shows on
    # CloudSearch only after the index is refreshed (the local engine reads the schedule)
    if flight_index.name == "cloudsearch":
        assert stale == [["KEPT"]]
    else:
        assert stale == [["KEPT"], ["NEW"]]
    assert fresh == [["KEPT"], ["NEW"]]
