"""GET /api/flights/multi-city: a trip of several flights, each combination one offer held
and booked together."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, Hold
from catalog.models import FlightFare
from search.offers import FlightOffer, offer_decode
from search.selectors import flights as flight_selectors
from search.selectors.flights import (
    COMBINATION_BOUND,
    MIN_SLICE_BOUND,
    Party,
    SliceAsked,
    flight_multi_city_offers_list,
    slice_bound,
)
from tests.factories.catalog import AirportFactory, flight_fare
from tests.flows import assert_problem, book, make_hold
from travelguru.money import Money

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flight_index")]

URL = "/api/flights/multi-city"


def _day(days_ahead: int = 10) -> date:
    return datetime.now(UTC).date() + timedelta(days=days_ahead)


def _at(day: date, hh_mm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hh_mm), tzinfo=UTC)


@pytest.fixture
def places() -> dict:
    return {
        code: AirportFactory.create(iata=code, city_name=f"{code} City", timezone="UTC")
        for code in ("AAA", "BBB", "CCC", "DDD")
    }


def _search(client, *slices: tuple[str, str, date], **params):
    return client.get(URL, {"slices": [f"{o},{d},{day.isoformat()}" for o, d, day in slices],
                            **params})  # fmt: skip


def _flights(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return [
        [leg["flight_number"] for itinerary in offer["slices"] for leg in itinerary["legs"]]
        for offer in response.json()["results"]
    ]


def test_a_three_city_trip_is_one_offer_per_combination_priced_as_one(api_client, places):
    # given two flights A->B, one B->C and one C->D on three days
    one, two, three = _day(), _day(12), _day(15)
    ab1 = flight_fare(places["AAA"], places["BBB"], _at(one, "08:00"), price=Decimal("100.00"),
                      leg__flight_number="AB1")  # fmt: skip
    ab2 = flight_fare(places["AAA"], places["BBB"], _at(one, "18:00"), price=Decimal("80.00"),
                      leg__flight_number="AB2")  # fmt: skip
    bc = flight_fare(places["BBB"], places["CCC"], _at(two, "09:00"), price=Decimal("50.00"),
                     leg__flight_number="BC1")  # fmt: skip
    cd = flight_fare(places["CCC"], places["DDD"], _at(three, "09:00"), price=Decimal("70.00"),
                     leg__flight_number="CD1")  # fmt: skip

    # when two adults search the three slices
    response = _search(api_client, ("AAA", "BBB", one), ("bbb", "CCC", two), ("CCC", "DDD", three),
                       adults=2)  # fmt: skip

    # then two offers, cheapest first, each with the three slices and one price
    assert _flights(response) == [["AB2", "BC1", "CD1"], ["AB1", "BC1", "CD1"]]
    offer = response.json()["results"][0]
    assert offer["price"] == {"amount": "400.00", "currency": "USD"}
    assert [s["origin"]["code"] for s in offer["slices"]] == ["AAA", "BBB", "CCC"]
    assert offer_decode(offer["offer_id"]) == FlightOffer(
        slices=((ab2.pk,), (bc.pk,), (cd.pk,)), adults=2, children=0, infants=0,
        price=Money(Decimal("400.00"), "USD"),
    )  # fmt: skip
    assert response.json()["search"]["slices"][1] == {
        "origin": "BBB", "destination": "CCC", "date": two.isoformat()
    }  # fmt: skip
    assert ab1.pk  # both first flights offered


def test_a_multi_city_offer_is_held_and_booked_in_one_piece(client_of, traveler, places):
    # given a two-slice trip
    one, two = _day(), _day(13)
    ab = flight_fare(places["AAA"], places["BBB"], _at(one, "08:00"), seats_available=5)
    cd = flight_fare(places["CCC"], places["DDD"], _at(two, "08:00"), seats_available=5)
    client = client_of(traveler)
    offer = _search(client, ("AAA", "BBB", one), ("CCC", "DDD", two)).json()["results"][0]

    # when it is held and paid
    hold_id = make_hold(client, offer["offer_id"])
    response = book(client, hold_id)

    # then one booking item took a seat on both flights, charged once at the offer's price
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["totals"] == [offer["price"]]
    assert len(body["items"]) == 1
    assert body["items"][0]["offer"]["slices"] == [[ab.pk], [cd.pk]]
    assert sorted(FlightFare.objects.values_list("seats_available", flat=True)) == [4, 4]


def test_a_multi_city_hold_takes_nothing_when_one_slice_is_sold_out(client_of, traveler, places):
    one, two = _day(), _day(13)
    flight_fare(places["AAA"], places["BBB"], _at(one, "08:00"), seats_available=5)
    last = flight_fare(places["CCC"], places["DDD"], _at(two, "08:00"), seats_available=1)
    client = client_of(traveler)
    offer = _search(client, ("AAA", "BBB", one), ("CCC", "DDD", two)).json()["results"][0]
    FlightFare.objects.filter(pk=last.pk).update(seats_available=0)

    response = client.post("/api/holds", {"items": [{"offer_id": offer["offer_id"]}]},
                           format="json")  # fmt: skip

    assert_problem(response, 409, "sold-out")
    assert not Hold.objects.exists()
    assert not Booking.objects.exists()
    assert sorted(FlightFare.objects.values_list("seats_available", flat=True)) == [0, 5]


def test_a_slice_leaving_before_the_previous_one_lands_plus_45_minutes_is_not_combined(
    api_client, places
):
    # given A->B landing 10:00 (2 h flight), and B->C at 10:30, 10:45 and 13:00 the same day
    day = _day()
    flight_fare(places["AAA"], places["BBB"], _at(day, "08:00"), leg__flight_number="AB")
    for hh_mm, number in (("10:30", "TOO-SOON"), ("10:45", "JUST"), ("13:00", "LATER")):
        flight_fare(places["BBB"], places["CCC"], _at(day, hh_mm), leg__flight_number=number,
                    price=Decimal("10.00"))  # fmt: skip

    response = _search(api_client, ("AAA", "BBB", day), ("BBB", "CCC", day), sort="departure")

    assert _flights(response) == [["AB", "JUST"], ["AB", "LATER"]]


def test_no_offer_when_a_slice_has_no_flight(api_client, places):
    one, two = _day(), _day(13)
    flight_fare(places["AAA"], places["BBB"], _at(one, "08:00"))

    response = _search(api_client, ("AAA", "BBB", one), ("BBB", "CCC", two))

    assert response.json()["count"] == 0


def test_slices_leaving_one_airport_on_one_day_each_get_their_own_flights(api_client, places):
    # given, on one day, A->B and B->C (a connection A->C), A->D and D->A
    day = _day()
    flight_fare(places["AAA"], places["BBB"], _at(day, "06:00"), leg__flight_number="AB")
    flight_fare(places["BBB"], places["CCC"], _at(day, "09:00"), leg__flight_number="BC")
    flight_fare(places["AAA"], places["DDD"], _at(day, "07:00"), leg__flight_number="AD")
    flight_fare(places["DDD"], places["AAA"], _at(day, "20:00"), leg__flight_number="DA")

    # when a trip flies A->C and, the same day, D->A (its first slice's fares and the
    # second's are read by one query)
    response = _search(api_client, ("AAA", "CCC", day), ("DDD", "AAA", day))

    # then each slice has only its own route's flights, the connection found for the first
    assert _flights(response) == [["AB", "BC", "DA"]]


def test_a_trip_of_any_number_of_slices_costs_the_queries_of_a_one_way_search(
    api_client, places, flight_index
):
    # given a direct and a one-stop flight on each of three slices
    days = (_day(), _day(12), _day(14))
    route = (("AAA", "BBB"), ("BBB", "CCC"), ("CCC", "AAA"))
    for (origin, destination), day in zip(route, days, strict=True):
        hub = places["DDD"]
        flight_fare(places[origin], places[destination], _at(day, "08:00"))
        flight_fare(places[origin], hub, _at(day, "06:00"))
        flight_fare(hub, places[destination], _at(day, "12:00"))
    flight_index.sync()

    def fare_queries(*slices: tuple[str, str, date]) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = _search(api_client, *slices)
        assert response.json()["count"] == 2 ** len(slices)
        fare_table = FlightFare._meta.db_table
        return sum(1 for q in captured.captured_queries if fare_table in q["sql"])

    with flight_index.paused():
        two = fare_queries(*((o, d, day) for (o, d), day in zip(route[:2], days[:2], strict=True)))
        three = fare_queries(*((o, d, day) for (o, d), day in zip(route, days, strict=True)))

    # then the first legs of every slice in one query, the second legs in another
    assert two == three == 2


def test_combinations_keep_the_best_few_per_slice(api_client, places):
    # given 10 flights on each of three slices
    days = (_day(), _day(12), _day(14))
    route = (("AAA", "BBB"), ("BBB", "CCC"), ("CCC", "DDD"))
    for (origin, destination), day in zip(route, days, strict=True):
        for n in range(10):
            flight_fare(places[origin], places[destination], _at(day, "06:00") +
                        timedelta(minutes=10 * n), price=Decimal(100 + n),
                        leg__flight_number=f"{origin}{n}")  # fmt: skip

    response = _search(api_client, *((o, d, day) for (o, d), day in zip(route, days, strict=True)))

    # then the 8 cheapest of each slice are combined: 512 offers, not 1000
    assert slice_bound(3) == 8
    assert response.json()["count"] == 8**3
    assert _flights(response)[0] == ["AAA0", "BBB0", "CCC0"]
    assert response.json()["results"][0]["price"] == {"amount": "300.00", "currency": "USD"}


@pytest.mark.parametrize("slices", range(2, 7))
def test_the_combinations_of_any_trip_stay_bounded(slices):
    bound = slice_bound(slices)
    assert bound >= MIN_SLICE_BOUND
    assert bound**slices <= max(COMBINATION_BOUND, MIN_SLICE_BOUND**slices)
    assert slice_bound(2) == 25  # a round trip's bound, as before multi-city trips


def test_the_selector_names_the_slice_of_an_unknown_airport(places):
    from travelguru.errors import InvalidInput

    with pytest.raises(InvalidInput) as raised:
        flight_multi_city_offers_list(
            slices=[SliceAsked("AAA", "BBB", _day()), SliceAsked("ZZZ", "CCC", _day(12))],
            party=Party(adults=1), cabin="economy", now=datetime.now(UTC),
        )  # fmt: skip
    assert raised.value.extra["errors"] == {"slices[1].origin": ["No airport with the code ZZZ."]}


@pytest.mark.parametrize(
    ("slices", "field", "code"),
    [
        ([("AAA", "BBB", 10), ("BBB", "CCC", 12), ("CCC", "DDD", 11)], "slices[2].date",
         "validation-error"),
        ([("AAA", "BBB", 10), ("BBB", "BBB", 12)], "slices[1].destination", "validation-error"),
        ([("AAA", "BBB", 10), ("B1B", "CCC", 12)], "slices[1].origin", "validation-error"),
        ([("AAA", "BBB", 10), ("BBB", "CCC", -5)], "slices[1].date", "validation-error"),
        ([("AAA", "BBB", 10)], "slices", "validation-error"),
        ([("AAA", "BBB", 10 + n) for n in range(7)], "slices", "validation-error"),
        # well formed, but no such airport: the search says which slice
        ([("AAA", "BBB", 10), ("QQQ", "CCC", 12)], "slices[1].origin", "invalid-input"),
    ],
)  # fmt: skip
def test_a_bad_trip_is_a_400_naming_the_slice(api_client, places, slices, field, code):
    response = _search(api_client, *((o, d, _day(n)) for o, d, n in slices))

    body = assert_problem(response, 400, code)
    assert field in body["errors"], body


def test_a_slice_not_written_as_three_parts_is_a_400_naming_it(api_client, places):
    response = api_client.get(URL, {"slices": [f"AAA,BBB,{_day()}", "BBB-CCC"]})

    body = assert_problem(response, 400, "validation-error")
    assert list(body["errors"]) == ["slices[1]"]


def test_a_repeated_multi_city_search_is_cached_until_a_price_changes(
    api_client, places, monkeypatch
):
    # given a trip searched once
    one, two = _day(), _day(13)
    fare = flight_fare(places["AAA"], places["BBB"], _at(one, "08:00"), price=Decimal("100.00"))
    flight_fare(places["BBB"], places["CCC"], _at(two, "08:00"), price=Decimal("50.00"))
    trip = (("AAA", "BBB", one), ("BBB", "CCC", two))
    first = _search(api_client, *trip).json()
    ran: list[int] = []
    real = flight_selectors._Search.itineraries_of

    def spy(self, asked, best=None):
        ran.append(len(asked))
        return real(self, asked, best)

    monkeypatch.setattr(flight_selectors._Search, "itineraries_of", spy)

    # when searched again: answered from the cache
    assert _search(api_client, *trip).json() == first
    assert ran == []

    # when a revenue manager changes the price (the catalog bumps the flight version)
    from travelguru.results_cache import results_changed_now

    FlightFare.objects.filter(pk=fare.pk).update(price=Decimal("120.00"))
    results_changed_now("flight")

    # then the next search shows it
    again = _search(api_client, *trip).json()
    assert again["results"][0]["price"] == {"amount": "170.00", "currency": "USD"}
    assert ran == [2]  # both slices searched together
