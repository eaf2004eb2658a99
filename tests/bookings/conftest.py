from datetime import timedelta
from decimal import Decimal

import pytest

from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)


@pytest.fixture
def day():  # type: ignore[no-untyped-def]
    return today_anywhere() + timedelta(days=20)


@pytest.fixture
def traveler():  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def client_of():  # type: ignore[no-untyped-def]
    """An API client logged in as `user`."""
    from rest_framework.test import APIClient

    def make(user):  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def room_type(day):  # type: ignore[no-untyped-def]
    """A double room in a EUR hotel, 3 rooms a night for 3 nights at 100/110/120."""
    room_type = RoomTypeFactory(hotel__currency="EUR", capacity=2)
    for i, price in enumerate(["100.00", "110.00", "120.00"]):
        room_nights(room_type, day + timedelta(days=i), 1, price=Decimal(price), rooms_total=3)
    return room_type


@pytest.fixture
def car(day):  # type: ignore[no-untyped-def]
    car = RentalCarFactory(office__currency="EUR")
    car_days(car, day, 3, price=Decimal("40.00"), cars_total=2)
    return car


@pytest.fixture
def fare():  # type: ignore[no-untyped-def]
    return FlightFareFactory(price=Decimal("450.00"), currency="USD", seats_total=4)


@pytest.fixture(scope="session", autouse=True)
def _live_server_accepts_a_crowd():  # type: ignore[no-untyped-def]
    """Django's test server listens with a backlog of 10; races open 60 connections at once."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 256
