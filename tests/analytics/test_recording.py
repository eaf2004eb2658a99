"""Events are recorded by the search, offer, hold, booking and cancel endpoints: one INSERT
per request, after the answer is decided, with nothing personal in them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import Event, EventKind
from analytics.services import group_key_of
from bookings.models import Booking
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    FlightFareFactory,
    FlightLegFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import assert_problem

# Real commits: events are written by on_commit callbacks, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

SID = "s3ss10n-abcdef12"
ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}


def inserts_into_events(queries) -> int:
    return sum(
        1
        for q in queries
        if q["sql"].lstrip().upper().startswith("INSERT") and "analytics_event" in q["sql"]
    )


@pytest.fixture
def paris_room(day):
    room_type = RoomTypeFactory.create(
        hotel__city=CityFactory.create(name="Paris"), hotel__currency="EUR"
    )
    room_nights(room_type, day, 3, price=Decimal("100.00"), rooms_total=3)
    return room_type


def test_a_hotel_search_records_what_was_asked_with_one_insert(
    api_client, paris_room, day, reindex
):
    reindex()
    params = {"city": "paris", "check_in": day, "check_out": day + timedelta(days=2), "guests": 2}

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/hotels/search", params, HTTP_X_SESSION_ID=SID)

    assert response.status_code == 200
    assert inserts_into_events(queries.captured_queries) == 1
    event = Event.objects.get()
    assert event.kind == EventKind.SEARCH
    assert event.session_id == SID
    assert (event.product, event.destination) == ("hotel", "Paris")
    assert (event.start_date, event.end_date, event.nights) == (day, day + timedelta(days=2), 2)
    assert event.lead_days == (day - timezone.now().date()).days
    assert event.party_size == 2
    assert event.results_count == 1
    assert 0 < event.latency_ms < 10_000
    assert event.amount is None
    assert event.group_key is None


def test_a_flight_search_records_route_party_and_trip_length(api_client, day):
    cdg, jfk = AirportFactory.create(iata="CDG"), AirportFactory.create(iata="JFK")
    flight_fare(cdg, jfk, datetime.combine(day, time(9), tzinfo=UTC), seats_total=9)
    params = {
        "origin": "cdg", "destination": "jfk", "date": day, "return_date": day + timedelta(days=7),
        "adults": 2, "children": 1,
    }  # fmt: skip

    response = api_client.get("/api/flights/search", params)

    assert response.status_code == 200
    event = Event.objects.get()
    assert (event.product, event.origin, event.destination) == ("flight", "CDG", "JFK")
    assert (event.party_size, event.nights) == (3, 7)
    assert event.results_count == response.json()["count"]
    assert event.session_id == ""


def test_a_multi_city_search_records_its_first_origin_and_last_destination(api_client, day):
    for code in ("CDG", "JFK", "LAX"):
        AirportFactory.create(iata=code)
    later = day + timedelta(days=4)
    params = {"slices": [f"cdg,jfk,{day}", f"JFK,LAX,{later}"], "adults": 2}

    response = api_client.get("/api/flights/multi-city", params)

    assert response.status_code == 200
    event = Event.objects.get()
    assert (event.product, event.origin, event.destination) == ("flight", "CDG", "LAX")
    assert (event.start_date, event.end_date, event.party_size) == (day, later, 2)


def test_a_car_search_records_the_airport_and_rental_days(api_client, day, reindex):
    car = RentalCarFactory.create(office__airport=AirportFactory.create(iata="LHR"))
    car_days(car, day, 4)
    reindex()

    response = api_client.get(
        "/api/cars/search", {"location": "lhr", "pick_up": day, "drop_off": day + timedelta(4)}
    )

    assert response.status_code == 200
    event = Event.objects.get()
    assert (event.product, event.destination, event.nights, event.results_count) == (
        "car", "LHR", 4, 1,
    )  # fmt: skip


def test_a_rejected_search_records_nothing(api_client, day):
    response = api_client.get("/api/hotels/search", {"check_in": day, "check_out": day})

    assert_problem(response, 400, "validation-error")
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("header", "cookie", "stored"),
    [
        ("ada@example.com", None, ""),  # not an opaque token: dropped
        ("short", None, ""),
        (None, "cookie-id-1234567\n", ""),  # no trailing newline sneaks past the pattern
        (None, "cookie-id-1234567", "cookie-id-1234567"),
        ("header-wins-123", "cookie-id-1234567", "header-wins-123"),
    ],
)
def test_only_an_opaque_session_token_is_kept(
    api_client, paris_room, day, reindex, header, cookie, stored
):
    reindex()
    if cookie:
        api_client.cookies["tg_sid"] = cookie
    extra = {"HTTP_X_SESSION_ID": header} if header else {}
    params = {"city": "Paris", "check_in": day, "check_out": day + timedelta(days=1)}

    response = api_client.get("/api/hotels/search", params, **extra)
    assert response.status_code == 200, response.json()

    assert Event.objects.get().session_id == stored


def test_an_offer_view_records_product_and_price(api_client, paris_room, day):
    offer_id = hotel_offer(paris_room, day, 2)

    assert api_client.get(f"/api/offers/{offer_id}").status_code == 200

    event = Event.objects.get()
    assert (event.kind, event.product, event.amount, event.currency) == (
        "offer_view", "hotel", Decimal("200.00"), "EUR",
    )  # fmt: skip


def hold(client, *offer_ids):
    response = client.post(
        "/api/holds", {"items": [{"offer_id": o} for o in offer_ids]}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def book(client, hold_id, token="tok_visa", key=None, travelers=None):
    return client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": travelers or [ADULT], "payment_token": token},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
        HTTP_X_SESSION_ID=SID,
    )


def test_hold_booking_and_cancellation_are_recorded_per_item_once(
    client_of, traveler, paris_room, day
):
    car = RentalCarFactory.create(
        office__airport=AirportFactory.create(iata="CDG"), office__currency="EUR"
    )
    car_days(car, day, 2, price=Decimal("40.00"))
    client = client_of(traveler)
    hold_id = hold(client, hotel_offer(paris_room, day, 2, guests=2), car_offer(car, day, 2))
    travelers = [
        ADULT,
        {**ADULT, "first_name": "Bob", "birth_date": "1980-01-01", "is_driver": True},
    ]

    # when: booked, the same request replayed, then cancelled twice
    first = book(client, hold_id, key="k-1", travelers=travelers)
    replay = book(client, hold_id, key="k-1", travelers=travelers)
    reference = first.json()["reference"]
    for _ in range(2):
        assert client.post(f"/api/bookings/{reference}/cancel").status_code == 200

    # then
    assert (first.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    holds = Event.objects.filter(kind=EventKind.HOLD).order_by("position")
    assert [(e.product, e.amount, e.currency) for e in holds] == [
        ("hotel", Decimal("200.00"), "EUR"), ("car", Decimal("80.00"), "EUR"),
    ]  # fmt: skip
    assert {e.group_key for e in holds} == {group_key_of("hold", hold_id)}
    booked = Event.objects.filter(kind=EventKind.BOOKING).order_by("position")
    assert [
        (e.product, e.destination, e.start_date, e.nights, e.party_size, e.amount, e.session_id)
        for e in booked
    ] == [
        ("hotel", "Paris", day, 2, 2, Decimal("200.00"), SID),
        ("car", "CDG", day, 2, None, Decimal("80.00"), SID),
    ]
    assert {e.group_key for e in booked} == {group_key_of("booking", reference)}
    cancelled = Event.objects.filter(kind=EventKind.CANCELLATION).order_by("position")
    assert [(e.product, e.group_key) for e in cancelled] == [
        ("hotel", group_key_of("booking", reference)), ("car", group_key_of("booking", reference)),
    ]  # fmt: skip


def test_events_hold_nothing_that_names_the_traveler_or_the_booking(
    client_of, traveler, paris_room, day
):
    client = client_of(traveler)
    response = book(client, hold(client, hotel_offer(paris_room, day, 1)), token="tok_visa")
    reference = response.json()["reference"]

    texts = [v for row in Event.objects.values() for v in row.values() if isinstance(v, str)]
    assert len(texts) > 0
    for secret in (reference, traveler.email, "Ada", "Lovelace", "tok_visa"):
        assert not [t for t in texts if secret in t]
    assert "user" not in {f.name for f in Event._meta.get_fields()}


def test_a_declined_payment_is_recorded_as_such_and_no_booking(
    client_of, traveler, paris_room, day
):
    client = client_of(traveler)
    hold_id = hold(client, hotel_offer(paris_room, day, 1))

    assert book(client, hold_id, token="tok_chargeDeclined").status_code == 402
    assert book(client, hold_id, token="tok_timeout").status_code == 504

    failures = Event.objects.filter(kind=EventKind.PAYMENT_FAILURE).order_by("pk")
    assert [(e.detail, e.session_id, e.amount) for e in failures] == [
        ("card_declined", SID, None), ("payment-timeout", SID, None),
    ]  # fmt: skip
    assert not Event.objects.filter(kind=EventKind.BOOKING).exists()


def test_a_broken_analytics_table_does_not_cost_the_traveler_the_booking(
    client_of, traveler, paris_room, day, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("analytics down")

    monkeypatch.setattr(Event.objects, "bulk_create", broken)
    client = client_of(traveler)

    response = book(client, hold(client, hotel_offer(paris_room, day, 1)))

    assert response.status_code == 201
    assert Booking.objects.count() == 1


def test_recording_can_be_switched_off(api_client, paris_room, day, reindex, settings):
    settings.ANALYTICS_RECORDING = False
    reindex()
    params = {"city": "Paris", "check_in": day, "check_out": day + timedelta(days=1)}

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/hotels/search", params)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert inserts_into_events(queries.captured_queries) == 0
    assert not Event.objects.exists()


def test_the_event_is_written_once_the_response_is_closed(paris_room, day, reindex):
    """Under gunicorn, close() comes after the body was sent: travelers do not wait for us."""
    from rest_framework.test import APIRequestFactory

    from search.apis.hotels import HotelSearchApi

    reindex()
    request = APIRequestFactory().get(
        "/api/hotels/search",
        {"city": "Paris", "check_in": day, "check_out": day + timedelta(days=1)},
    )

    response = HotelSearchApi.as_view()(request)
    response.render()

    assert response.status_code == 200
    assert not Event.objects.exists()
    response.close()
    assert Event.objects.get().results_count == 1


def test_a_replayed_hold_is_recorded_once_and_writes_nothing_the_second_time(
    client_of, traveler, paris_room, day
):
    client = client_of(traveler)
    body = {"items": [{"offer_id": hotel_offer(paris_room, day, 2, guests=2)}]}
    first = client.post("/api/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="h-1")

    # when: the same hold request is sent again (a double click)
    with CaptureQueriesContext(connection) as queries:
        replay = client.post("/api/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="h-1")

    # then: the traveler gets the first hold back, and the funnel counts one hold
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert inserts_into_events(queries) == 0
    assert Event.objects.filter(kind=EventKind.HOLD).count() == 1


@pytest.mark.parametrize("count", [1, 2])
def test_recording_the_same_events_again_writes_nothing_and_logs_nothing(count, caplog):
    """One event is a plain INSERT (no transaction of its own), several one INSERT that
    ignores duplicates: either way a repeat is ignored quietly, with no transaction open."""
    from analytics.services import events_record

    def events() -> list[Event]:
        return [
            Event(
                kind=EventKind.BOOKING,
                occurred_at=timezone.now(),
                product="hotel",
                group_key="g" * 32,
                position=position,
            )  # fmt: skip
            for position in range(count)
        ]

    with CaptureQueriesContext(connection) as first:
        events_record(events=events())
    events_record(events=events())

    assert Event.objects.filter(group_key="g" * 32).count() == count
    assert "could not record" not in caplog.text
    assert inserts_into_events(first.captured_queries) == 1
    if count == 1:  # BEGIN/COMMIT are logged as queries when a transaction is opened
        assert [q["sql"] for q in first.captured_queries if q["sql"] in ("BEGIN", "COMMIT")] == []


def test_a_booked_flights_route_comes_from_its_hold_with_no_catalog_read(client_of, traveler, day):
    # given a flight CDG -> JFK held
    leg = FlightLegFactory.create(
        origin=AirportFactory.create(iata="CDG"), destination=AirportFactory.create(iata="JFK")
    )
    fare = FlightFareFactory.create(leg=leg, price=Decimal("450.00"), currency="USD")
    client = client_of(traveler)
    hold_id = hold(client, flight_offer(fare))

    # when it is booked
    with CaptureQueriesContext(connection) as queries:
        assert book(client, hold_id).status_code == 201

    # then the booking's event has the route the hold kept, and nothing read the catalog
    event = Event.objects.get(kind=EventKind.BOOKING)
    assert (event.product, event.origin, event.destination) == ("flight", "CDG", "JFK")
    assert [q["sql"] for q in queries.captured_queries if "catalog_" in q["sql"]] == []


def test_items_held_before_holds_kept_their_places_still_get_them_from_the_catalog(paris_room, day):
    from analytics.services import item_places

    leg = FlightLegFactory.create(
        origin=AirportFactory.create(iata="CDG"), destination=AirportFactory.create(iata="JFK")
    )
    fare = FlightFareFactory.create(leg=leg)
    items = [
        {"kind": "flight", "offer": {"outbound_fare_ids": [fare.pk]}},
        {"kind": "hotel", "offer": {"room_type_id": paris_room.pk}},
        {"kind": "hotel", "offer": {"room_type_id": 10**9, "city": "Lyon"}},
    ]

    with CaptureQueriesContext(connection) as queries:
        places = item_places(items)

    assert places == {
        ("flight", fare.pk): ("CDG", "JFK"),
        ("hotel", paris_room.pk): ("", "Paris"),
        ("hotel", 10**9): ("", "Lyon"),  # from its offer: not read
    }
    assert len(queries.captured_queries) == 2  # the fares' legs, the room types' cities
