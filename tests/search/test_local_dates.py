"""Through the API: dates are the place's. The Auckland scenario of the issue, end to end.

At 11:30 UTC on 15 January it is already 00:30 on 16 January in Auckland (NZDT, UTC+13),
while "today somewhere on Earth" (UTC-12) is still 14 January. A check-in on 15 January
is over at the hotel: it is not searched, held or booked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking, Hold, SandboxCharge
from catalog.models import RoomNight
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    HotelFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)
from tests.flows import assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_engine")]

AKL_MIDNIGHT = datetime(2027, 1, 15, 11, 0, tzinfo=UTC)  # 16 January 00:00 in Auckland
PAST_THERE = date(2027, 1, 15)  # still "today" in New York, Honolulu and UTC
TODAY_THERE = date(2027, 1, 16)
ADULT = {"type": "adult", "first_name": "Ada", "last_name": "Lovelace"}


@pytest.fixture
def clock(monkeypatch):
    """The API's `timezone.now()`, set by the test (the services take `now` from it)."""
    from django.utils import timezone

    state = {"now": AKL_MIDNIGHT + timedelta(minutes=30)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


@pytest.fixture
def auckland():
    return CityFactory.create(
        name="Auckland", country_code="NZ", timezone="Pacific/Auckland", currency="NZD",
        latitude=-36.85, longitude=174.76,
    )  # fmt: skip


@pytest.fixture
def room_type(auckland, reindex):
    room_type = RoomTypeFactory.create(
        hotel=HotelFactory.create(name="Harbour View", city=auckland, free_cancellation_days=2),
        capacity=2,
    )
    room_nights(room_type, date(2027, 1, 13), 10, price=Decimal("200.00"), rooms_total=4)
    reindex()
    return room_type


def hotels(client, city, check_in, nights=2, **extra):
    return client.get(
        "/api/hotels/search",
        {"city": city.pk, "check_in": check_in, "check_out": check_in + timedelta(days=nights),
         "guests": 1, **extra},
    )  # fmt: skip


def hold(client, offer_id):
    return client.post("/api/holds", {"items": [{"offer_id": offer_id}]}, format="json")


def book(client, hold_id, key="k1"):
    return client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def rooms_left(room_type, day) -> int:
    return RoomNight.objects.get(room_type=room_type, date=day).rooms_available


def test_a_check_in_date_over_at_the_hotel_is_a_clear_400(api_client, clock, auckland, room_type):
    response = hotels(api_client, auckland, PAST_THERE)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    (message,) = response.json()["errors"]["check_in"]
    assert "2027-01-15 is past in Auckland" in message
    assert "2027-01-16 00:30" in message


def test_the_hotels_today_is_still_sold_when_the_traveler_is_a_day_behind(
    api_client, clock, auckland, room_type
):
    """Tonight in New York (15 January) is 16 January in Auckland: that date is sold."""
    response = hotels(api_client, auckland, TODAY_THERE)

    assert response.status_code == 200, response.json()
    assert [h["name"] for h in response.json()["results"]] == ["Harbour View"]


def test_the_auckland_stay_is_neither_held_nor_booked_once_its_date_is_over(
    client_of, traveler, clock, auckland, room_type
):
    client = client_of(traveler)
    # given: the offer a search gave at 23:50 on the 15th in Auckland
    clock["now"] = AKL_MIDNIGHT - timedelta(minutes=10)
    found = hotels(client, auckland, PAST_THERE)
    assert found.status_code == 200, found.json()
    offer_id = found.json()["results"][0]["cheapest"]["offer_id"]
    # and a hold of it made at 23:55
    clock["now"] = AKL_MIDNIGHT - timedelta(minutes=5)
    held = hold(client, offer_id)
    assert held.status_code == 201, held.json()
    left = rooms_left(room_type, PAST_THERE)
    charges = SandboxCharge.objects.count()

    # when: paying at 00:05 on the 16th, and holding the offer again
    clock["now"] = AKL_MIDNIGHT + timedelta(minutes=5)
    booked = book(client, held.json()["id"])
    again = hold(client, offer_id)
    detail = client.get(f"/api/offers/{offer_id}")

    # then: each is a 409 saying why, and nothing was sold, taken or charged
    for response in (booked, again, detail):
        assert response.status_code == 409
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "offer-started"
        assert "past in Auckland" in response.json()["detail"]
    assert not Booking.objects.exists()
    assert SandboxCharge.objects.count() == charges
    assert Hold.objects.count() == 1
    assert rooms_left(room_type, PAST_THERE) == left


def test_the_hotels_today_is_held_and_booked(client_of, traveler, clock, auckland, room_type):
    client = client_of(traveler)
    offer_id = hotels(client, auckland, TODAY_THERE).json()["results"][0]["cheapest"]["offer_id"]

    held = hold(client, offer_id)
    booked = book(client, held.json()["id"])

    assert booked.status_code == 201, booked.json()
    (item,) = booked.json()["items"]
    # check-in today: the two days of free cancellation are long gone, and said so
    assert item["free_cancellation_until"] is None
    assert item["refund_if_cancelled_later"] == {"amount": "200.00", "currency": "NZD"}


def test_an_offer_shows_free_cancellation_only_while_it_can_still_be_used(
    api_client, clock, auckland, room_type
):
    def free_until(check_in):
        body = hotels(api_client, auckland, check_in).json()
        return body["results"][0]["cheapest"]["free_cancellation_until"]

    # Check-in on the 18th: free until the 16th at 15:00 in Auckland, still ahead.
    assert free_until(date(2027, 1, 18)) == "2027-01-16"
    # Check-in on the 17th: free until the 15th at 15:00 in Auckland, gone by.
    assert free_until(date(2027, 1, 17)) is None


def test_the_hotel_page_takes_the_hotels_dates_too(api_client, clock, room_type):
    hotel = room_type.hotel
    past = api_client.get(
        f"/api/hotels/{hotel.pk}",
        {"check_in": PAST_THERE, "check_out": PAST_THERE + timedelta(days=2)},
    )
    today = api_client.get(
        f"/api/hotels/{hotel.pk}",
        {"check_in": TODAY_THERE, "check_out": TODAY_THERE + timedelta(days=2)},
    )
    undated = api_client.get(f"/api/hotels/{hotel.pk}")

    assert_problem(past, 400, "invalid-input")
    assert "past in Auckland" in past.json()["errors"]["check_in"][0]
    assert today.status_code == 200
    assert len(today.json()["offers"]) == 1
    # "from" prices start at the hotel's today: the 15th's night is no longer sold
    RoomNight.objects.filter(room_type=room_type, date=PAST_THERE).update(price=Decimal("1.00"))
    assert undated.json()["room_types"][0]["from_price_per_night"]["amount"] == "200.00"


def test_around_a_point_only_hotels_whose_check_in_date_is_not_over_are_listed(
    api_client, clock, auckland, reindex
):
    """A radius search has no one calendar: each hotel's own decides."""
    elsewhere = CityFactory.create(
        name="Date Line", timezone="Pacific/Honolulu", latitude=auckland.latitude,
        longitude=auckland.longitude,
    )  # fmt: skip
    for city, name in ((auckland, "Over There"), (elsewhere, "Still Today")):
        room_type = RoomTypeFactory.create(hotel=HotelFactory.create(name=name, city=city))
        room_nights(room_type, PAST_THERE, 2)
    reindex()

    response = api_client.get(
        "/api/hotels/search",
        {"lat": auckland.latitude, "lon": auckland.longitude, "check_in": PAST_THERE,
         "check_out": PAST_THERE + timedelta(days=2)},
    )  # fmt: skip

    assert response.status_code == 200, response.json()
    assert [h["name"] for h in response.json()["results"]] == ["Still Today"]


@pytest.fixture
def akl(auckland):
    return AirportFactory.create(iata="AKL", city=auckland)


def cars(client, airport, pick_up):
    return client.get(
        "/api/cars/search",
        {"location": airport.iata, "pick_up": pick_up, "drop_off": pick_up + timedelta(days=2)},
    )


def test_a_pick_up_day_over_at_the_airport_is_a_clear_400(api_client, clock, akl, reindex):
    car = RentalCarFactory.create(office__airport=akl)
    car_days(car, date(2027, 1, 14), 6)
    reindex()

    past = cars(api_client, akl, PAST_THERE)
    today = cars(api_client, akl, TODAY_THERE)

    assert_problem(past, 400, "invalid-input")
    assert "past in AKL" in past.json()["errors"]["pick_up"][0]
    assert today.status_code == 200
    assert today.json()["count"] == 1


def test_an_office_closed_for_the_pick_up_day_offers_no_car(api_client, clock, akl, reindex):
    early = RentalCarFactory.create(office__airport=akl, office__closes_at=time(20))
    late = RentalCarFactory.create(office__airport=akl, office__closes_at=time(23, 30))
    for car in (early, late):
        car_days(car, date(2027, 1, 14), 6)
    reindex()
    clock["now"] = AKL_MIDNIGHT + timedelta(hours=22)  # 22:00 on the 16th in Auckland

    body = cars(api_client, akl, TODAY_THERE).json()

    assert [r["office"]["closes_at"] for r in body["results"]] == ["23:30"]


def test_a_departure_day_over_at_the_origin_is_a_clear_400(api_client, clock, akl, flight_index):
    lax = AirportFactory.create(iata="LAX", city=CityFactory.create(timezone="America/Los_Angeles"))
    # 08:00 on the 16th in Auckland
    flight_fare(akl, lax, AKL_MIDNIGHT + timedelta(hours=8), minutes=12 * 60)
    # 10:00 on the 15th in Los Angeles, for the way back
    flight_fare(lax, akl, datetime(2027, 1, 15, 18, 0, tzinfo=UTC), minutes=13 * 60)

    def flights(origin, destination, **params):
        query = {"origin": origin, "destination": destination, **params}
        return api_client.get("/api/flights/search", query)

    past = flights("AKL", "LAX", date=PAST_THERE)
    today = flights("AKL", "LAX", date=TODAY_THERE)
    # The 15th is still today in Los Angeles: sold from there...
    from_lax = flights("LAX", "AKL", date=PAST_THERE)
    # ...but a return on the 15th leaves Auckland, where that day is over.
    back = flights("LAX", "AKL", date=PAST_THERE, return_date=PAST_THERE)

    assert_problem(past, 400, "invalid-input")
    assert "past in AKL" in past.json()["errors"]["date"][0]
    assert today.status_code == 200
    assert today.json()["count"] == 1
    assert from_lax.status_code == 200
    assert from_lax.json()["count"] == 1
    assert_problem(back, 400, "invalid-input")
    assert list(back.json()["errors"]) == ["return_date"]


def test_a_cached_answer_is_not_kept_past_midnight_at_the_hotel(
    api_client, clock, auckland, room_type, monkeypatch
):
    """The search cache keeps an answer for up to a minute: not once the clock alone has made
    it wrong (the check-in day ended at the hotel)."""
    from travelguru import results_cache as cache

    ticks = {"now": 1_000.0}
    monkeypatch.setattr(cache.time, "monotonic", lambda: ticks["now"])
    clock["now"] = AKL_MIDNIGHT - timedelta(seconds=20)
    assert hotels(api_client, auckland, PAST_THERE).status_code == 200

    # 30 seconds later on both clocks: past midnight in Auckland, within the cache's minute
    clock["now"] += timedelta(seconds=30)
    ticks["now"] += 30
    response = hotels(api_client, auckland, PAST_THERE)

    assert_problem(response, 400, "invalid-input")
    assert "past in Auckland" in response.json()["errors"]["check_in"][0]
