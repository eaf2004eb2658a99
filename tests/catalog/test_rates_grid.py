"""Revenue managers read a month of rates and availability per hotel, office and route."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.selectors import Scope, rates_grid
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.catalog import (
    AirportFactory,
    HotelFactory,
    RentalCarFactory,
    RoomNightFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)

pytestmark = pytest.mark.django_db
MARCH = date(2031, 3, 1)


def staff_with(client, *codenames: str):
    user = UserFactory.create(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return log_in_verified(client, user)


@pytest.fixture
def hotel():
    hotel = HotelFactory.create(name="Grand Central", currency="EUR")
    double = RoomTypeFactory.create(hotel=hotel, name="Double", capacity=2)
    suite = RoomTypeFactory.create(hotel=hotel, name="Suite", capacity=4)
    room_nights(double, MARCH, 31, price=Decimal("120.00"), rooms_total=10, rooms_available=10)
    RoomNightFactory.create(
        room_type=suite, date=date(2031, 3, 5), price=Decimal("400.00"), rooms_total=5,
        rooms_available=0,
    )  # fmt: skip
    RoomNightFactory.create(
        room_type=suite, date=date(2031, 3, 6), price=Decimal("410.00"), rooms_total=5,
        rooms_available=1,
    )  # fmt: skip
    RoomNightFactory.create(
        room_type=suite, date=date(2031, 3, 7), price=Decimal("420.00"), rooms_total=5,
        rooms_available=3, stop_sell=True, min_stay=3,
    )  # fmt: skip
    RoomNightFactory.create(room_type=suite, date=date(2031, 4, 1), price=Decimal("999.00"))
    return hotel


def grid_url(hotel) -> str:
    return reverse("admin:catalog_hotel_rates", args=[hotel.pk])


def test_hotel_grid_shows_each_night_with_its_state(client, hotel):
    client = staff_with(client, "view_roomnight")

    page = client.get(grid_url(hotel), {"month": "2031-03"})

    assert page.status_code == 200
    grid = page.context["grid"]
    assert [line.label for line in grid.lines] == ["Double", "Suite"]
    assert len(grid.days) == 31
    suite = grid.rows()[1][1]
    assert [c.state if c else None for c in suite[3:8]] == [
        None, "sold-out", "low", "closed", None,
    ]  # fmt: skip
    closed = suite[6]
    assert (closed.price, closed.available, closed.sold, closed.min_stay) == (
        Decimal("420.00"), 3, 2, 3,
    )  # fmt: skip
    html = page.content.decode()
    assert html.count('data-state="open"') == 31
    assert html.count('data-state="sold-out"') == 1
    assert html.count('data-state="closed"') == 1
    assert "999.00" not in html  # April's night is April's
    assert "min 3" in html
    assert 'href="?month=2031-02"' in html
    assert 'href="?month=2031-04"' in html


def test_next_month_link_shows_the_next_month(client, hotel):
    client = staff_with(client, "view_roomnight")

    page = client.get(grid_url(hotel), {"month": "2031-04"})

    assert page.context["grid"].month == date(2031, 4, 1)
    assert "999.00" in page.content.decode()
    assert "420.00" not in page.content.decode()


def test_a_bad_month_is_refused_not_an_error(client, hotel):
    client = staff_with(client, "view_roomnight")

    for month in ("2031-13", "0001-01", "9999-12", "march"):
        assert client.get(grid_url(hotel), {"month": month}).status_code == 400


def test_staff_without_the_inventory_view_permission_get_403(client, hotel):
    client = staff_with(client, "view_hotel")

    assert client.get(grid_url(hotel)).status_code == 403
    assert client.get(grid_url(hotel) + "bulk/").status_code == 403


def test_viewers_cannot_open_the_bulk_change(client, hotel):
    client = staff_with(client, "view_roomnight", "view_hotel")

    page = client.get(grid_url(hotel), {"month": "2031-03"})

    assert "Change in bulk" not in page.content.decode()
    assert client.get(grid_url(hotel) + "bulk/").status_code == 403


def test_hotel_change_page_links_to_its_grid(admin_client, hotel):
    page = admin_client.get(reverse("admin:catalog_hotel_change", args=[hotel.pk]))

    assert f'href="{grid_url(hotel)}"' in page.content.decode()


@pytest.mark.parametrize("month", ["2031-02", "2031-03"])
def test_grid_costs_two_queries_whatever_the_month(hotel, month, django_assert_num_queries):
    with django_assert_num_queries(2):
        first = date.fromisoformat(month + "-01")
        grid = rates_grid(scope=Scope("hotel", hotel=hotel), month=first)
        grid.rows()


def test_grid_page_queries_do_not_grow_with_lines_or_days(
    client, hotel, django_assert_max_num_queries
):
    client = staff_with(client, "view_roomnight")
    client.get(grid_url(hotel), {"month": "2031-02"})  # warm the session's first reads

    with django_assert_max_num_queries(8):
        client.get(grid_url(hotel), {"month": "2031-03"})
    for i in range(5):  # more lines
        room_type = RoomTypeFactory.create(hotel=hotel, name=f"Extra {i}")
        room_nights(room_type, MARCH, 31)
    with django_assert_max_num_queries(8):
        client.get(grid_url(hotel), {"month": "2031-03"})


def test_office_grid_shows_cars_by_day(client):
    car = RentalCarFactory.create(model_name="VW Golf", office__currency="USD")
    car_days(car, MARCH, 3, price=Decimal("45.00"), cars_total=4, cars_available=4)
    client = staff_with(client, "view_carday")

    page = client.get(
        reverse("admin:catalog_rentaloffice_rates", args=[car.office.pk]), {"month": "2031-03"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "VW Golf" in html
    assert html.count('data-state="open"') == 3
    assert html.count('data-state="none"') == 28


def test_route_grid_puts_a_flight_on_its_local_departure_day(client):
    origin = AirportFactory.create(iata="JFK", timezone="America/New_York")
    destination = AirportFactory.create(iata="LHR", timezone="Europe/London")
    # 02:00 UTC on 1 March is still 28 February in New York
    for day in (1, 2):
        leaving = datetime(2031, 3, day, 2, 0, tzinfo=UTC)
        flight_fare(origin, destination, leaving, leg__flight_number="BA1")
    client = staff_with(client, "view_flightfare")

    page = client.get(
        reverse("admin:catalog_flightleg_rates", kwargs={"origin": "JFK", "destination": "LHR"}),
        {"month": "2031-03"},
    )

    assert page.status_code == 200
    grid = page.context["grid"]
    assert [line.key for line in grid.lines] == ["BA1 economy"]
    assert [c.day for c in grid.cells.values()] == [date(2031, 3, 1)]
