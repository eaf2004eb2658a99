"""Staff run the catalog from the admin: every page opens, searches and filters work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import models
from tests.factories.accounts import log_in_verified
from tests.factories.catalog import (
    CityFactory,
    FlightFareFactory,
    HotelFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser(
        username="boss", email="boss@travelguru.example", password="pw-admin-123-long"
    )
    return log_in_verified(client, user)


@pytest.fixture
def catalog():
    today = timezone.now().date()
    fare = FlightFareFactory.create(leg__origin__iata="JFK", leg__destination__iata="LHR")
    hotel = HotelFactory.create(name="Hôtel du Louvre", amenities=["wifi"])
    room_type = RoomTypeFactory.create(hotel=hotel)
    room_nights(room_type, today, 3)
    room_nights(room_type, today + timedelta(days=200), 1)  # beyond the inline's window
    car = RentalCarFactory.create(office__airport=fare.leg.origin)
    car_days(car, today, 3)
    return {
        models.City: hotel.city,
        models.Airport: fare.leg.origin,
        models.Airline: fare.leg.airline,
        models.FlightLeg: fare.leg,
        models.FlightFare: fare,
        models.Amenity: hotel.amenities.first(),
        models.Hotel: hotel,
        models.RoomType: room_type,
        models.RoomNight: room_type.nights.first(),
        models.CarVendor: car.office.vendor,
        models.RentalOffice: car.office,
        models.RentalCar: car,
        models.CarDay: car.days.first(),
    }


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:catalog_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize(
    "model",
    [
        models.City, models.Airport, models.Airline, models.FlightLeg, models.FlightFare,
        models.Amenity, models.Hotel, models.RoomType, models.RoomNight, models.CarVendor,
        models.RentalOffice, models.RentalCar, models.CarDay,
    ],
)  # fmt: skip
def test_every_catalog_page_opens(staff_client, catalog, model):
    obj = catalog[model]

    assert staff_client.get(_url(model, "changelist")).status_code == 200
    assert staff_client.get(_url(model, "changelist"), {"q": "a"}).status_code == 200
    assert staff_client.get(_url(model, "change", obj.pk)).status_code == 200
    assert staff_client.get(_url(model, "add")).status_code == 200


def test_search_finds_a_flight_by_number_and_airport(staff_client, catalog):
    leg = catalog[models.FlightLeg]

    by_number = staff_client.get(_url(models.FlightLeg, "changelist"), {"q": leg.flight_number})
    by_airport = staff_client.get(_url(models.FlightLeg, "changelist"), {"q": "LHR"})
    elsewhere = staff_client.get(_url(models.FlightLeg, "changelist"), {"q": "SIN"})

    assert leg.flight_number in by_number.content.decode()
    assert leg.flight_number in by_airport.content.decode()
    assert leg.flight_number not in elsewhere.content.decode()


def test_filters_narrow_the_hotel_list(staff_client, catalog):
    HotelFactory.create(name="Five Star Palace", stars=5)

    page = staff_client.get(_url(models.Hotel, "changelist"), {"stars__exact": 5}).content.decode()

    assert "Five Star Palace" in page
    assert "Hôtel du Louvre" not in page


def test_room_type_page_shows_the_coming_nights_only(staff_client, catalog):
    room_type = catalog[models.RoomType]

    page = staff_client.get(_url(models.RoomType, "change", room_type.pk))

    formset = page.context["inline_admin_formsets"][0].formset
    assert formset.queryset.count() == 3  # the 200-days-ahead night is on the list page


def test_staff_can_edit_a_hotel(staff_client, catalog):
    hotel = catalog[models.Hotel]
    page = staff_client.get(_url(models.Hotel, "change", hotel.pk))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        name="Hôtel du Louvre (renovated)",
        city=hotel.city.pk,
        amenities=[a.pk for a in hotel.amenities.all()],
        check_in_time="15:00",
        check_out_time="11:00",
        is_published="on",
        **{
            "room_types-TOTAL_FORMS": "1",
            "room_types-INITIAL_FORMS": "1",
            "room_types-0-id": str(catalog[models.RoomType].pk),
            "room_types-0-hotel": str(hotel.pk),
            "room_types-0-name": "Double room",
            "room_types-0-capacity": "2",
            "room_types-0-is_published": "on",
        },
    )

    response = staff_client.post(_url(models.Hotel, "change", hotel.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    hotel.refresh_from_db()
    assert hotel.name == "Hôtel du Louvre (renovated)"


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (models.FlightLeg, lambda: FlightFareFactory.create().leg),
        (
            models.RoomNight,
            lambda: room_nights(RoomTypeFactory.create(), timezone.now().date(), 1)[0],
        ),
        (models.CarDay, lambda: car_days(RentalCarFactory.create(), timezone.now().date(), 1)[0]),
        (models.RentalCar, RentalCarFactory),
        (models.Hotel, HotelFactory),
    ],
)
def test_list_pages_do_not_query_per_row(staff_client, model, make):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(_url(model, "changelist")).status_code == 200
        return len(ctx.captured_queries)

    make()
    few = queries()
    for _ in range(15):
        make()
    assert queries() == few


def test_travelers_cannot_open_the_admin(client, catalog):
    traveler = get_user_model().objects.create_user(
        username="t", email="t@travelguru.example", password="pw-traveler-123-long"
    )
    client.force_login(traveler)

    response = client.get(_url(models.Hotel, "changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_hotel_moved_to_another_city_in_the_admin_takes_its_nights_along(staff_client, catalog):
    # given the hotel's nights in its city, and another city
    hotel = catalog[models.Hotel]
    elsewhere = CityFactory.create()
    page = staff_client.get(_url(models.Hotel, "change", hotel.pk))
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        city=elsewhere.pk, amenities=[a.pk for a in hotel.amenities.all()],
        check_in_time="15:00", check_out_time="11:00", is_published="on",
        **{"room_types-TOTAL_FORMS": "0", "room_types-INITIAL_FORMS": "0"},
    )  # fmt: skip

    # when staff move it there
    response = staff_client.post(_url(models.Hotel, "change", hotel.pk), data)

    # then every night of its room types is that city's (the price calendar reads them so)
    assert response.status_code == 302, response.context["adminform"].form.errors
    nights = models.RoomNight.objects.filter(room_type__hotel=hotel)
    assert set(nights.values_list("city", flat=True)) == {elsewhere.pk}


def test_a_night_added_in_the_admin_is_its_hotels_citys(staff_client, catalog):
    room_type = catalog[models.RoomType]
    day = timezone.now().date() + timedelta(days=300)

    response = staff_client.post(
        _url(models.RoomNight, "add"),
        {"room_type": room_type.pk, "date": day.isoformat(), "price": "99.00",
         "rooms_total": "4", "rooms_available": "4", "min_stay": "1"},
    )  # fmt: skip

    assert response.status_code == 302, response.context["adminform"].form.errors
    night = models.RoomNight.objects.get(room_type=room_type, date=day)
    assert night.city_id == room_type.hotel.city_id
