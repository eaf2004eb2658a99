"""Booking answers show when each service starts and ends as the place's clock reads it,
with its offset, like search answers; the instants are the UTC ones kept in the database."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from bookings.models import BookingItem
from tests.factories.catalog import FlightFareFactory, RoomTypeFactory, room_nights
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import ADULT, book, make_hold

DRIVER = {**ADULT, "birth_date": "1990-05-01", "is_driver": True}

pytestmark = pytest.mark.django_db


def test_a_tokyo_stay_is_answered_in_tokyo_time(client_of, traveler, day: date):
    # given a hotel in Tokyo (UTC+9, no daylight saving), check-in 15:00, check-out 11:00
    room_type = RoomTypeFactory(hotel__city__timezone="Asia/Tokyo", hotel__currency="JPY")
    room_nights(room_type, day, 2, price=Decimal("9000"), rooms_total=1)
    client = client_of(traveler)

    # when it is booked for two nights
    body = book(client, make_hold(client, hotel_offer(room_type, day, 2))).json()

    # then the answer reads as the hotel's clock, and stands for the stored instants
    item = body["items"][0]
    assert item["service_start"] == f"{day.isoformat()}T15:00:00+09:00"
    assert item["service_end"] == f"{(day + timedelta(days=2)).isoformat()}T11:00:00+09:00"
    stored = BookingItem.objects.get()
    assert datetime.fromisoformat(item["service_start"]) == stored.service_start
    assert stored.service_start.tzinfo == UTC
    assert client.get(f"/api/bookings/{body['reference']}").json()["items"] == body["items"]


def test_a_flight_starts_on_the_origins_clock_and_ends_on_the_destinations(
    client_of, traveler, day: date
):
    # given a Tokyo (UTC+9) -> Delhi (UTC+5:30) leg leaving at 23:30 UTC, 7 h 15 long
    departs = datetime.combine(day, time(23, 30), tzinfo=UTC)
    fare = FlightFareFactory(
        leg__origin__city__timezone="Asia/Tokyo",
        leg__destination__city__timezone="Asia/Kolkata",
        leg__departure_at=departs,
        leg__arrival_at=departs + timedelta(hours=7, minutes=15),
        price=Decimal("450.00"),
        currency="USD",
    )
    client = client_of(traveler)

    # when it is booked
    body = book(client, make_hold(client, flight_offer(fare))).json()

    # then it leaves on Tokyo's next morning and lands at Delhi's noon
    item = body["items"][0]
    next_day = (day + timedelta(days=1)).isoformat()
    assert item["service_start"] == f"{next_day}T08:30:00+09:00"
    assert item["service_end"] == f"{next_day}T12:15:00+05:30"


def test_items_booked_before_zones_were_kept_get_them_from_the_catalog(
    client_of, traveler, room_type, car, fare, day: date
):
    # given a booking of each kind whose zones are blank, as the migration finds them
    client = client_of(traveler)
    hold_id = make_hold(
        client, hotel_offer(room_type, day, 1), car_offer(car, day, 1), flight_offer(fare)
    )
    assert book(client, hold_id, travelers=[DRIVER]).status_code == 201
    expected = dict(BookingItem.objects.values_list("kind", "start_timezone"))
    BookingItem.objects.update(start_timezone="", end_timezone="")

    # when the migration's backfill runs
    migration = importlib.import_module("bookings.migrations.0007_bookingitem_timezones")
    migration.fill_zones(django_apps, None)

    # then every item has its place's zone again
    assert dict(BookingItem.objects.values_list("kind", "start_timezone")) == expected
    assert set(expected.values()) == {"Europe/Paris"}  # the fixtures' places
