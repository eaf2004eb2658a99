"""factory_boy factories for the catalog. Inventory factories take a day count to cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog import models


class CityFactory(DjangoModelFactory[models.City]):
    class Meta:
        model = models.City
        django_get_or_create = ("geonameid",)

    geonameid = factory.Sequence(lambda n: 9_000_000 + n)
    name = factory.Sequence(lambda n: f"City {n}")
    country_code = "FR"
    country_name = "France"
    latitude = 48.85341
    longitude = 2.3488
    timezone = "Europe/Paris"
    population = 1_000_000
    currency = "EUR"


class AirportFactory(DjangoModelFactory[models.Airport]):
    class Meta:
        model = models.Airport
        django_get_or_create = ("iata",)

    iata = factory.Sequence(
        lambda n: f"{chr(65 + n // 676 % 26)}{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"
    )
    icao = ""
    name = factory.LazyAttribute(lambda o: f"{o.iata} International Airport")
    city = factory.SubFactory(CityFactory)
    city_name = factory.LazyAttribute(lambda o: o.city.name)
    country_code = factory.LazyAttribute(lambda o: o.city.country_code)
    timezone = factory.LazyAttribute(lambda o: o.city.timezone)
    latitude = factory.LazyAttribute(lambda o: o.city.latitude)
    longitude = factory.LazyAttribute(lambda o: o.city.longitude)


class AirlineFactory(DjangoModelFactory[models.Airline]):
    class Meta:
        model = models.Airline
        django_get_or_create = ("iata",)

    iata = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Airline {n}")
    country_code = "FR"


class FlightLegFactory(DjangoModelFactory[models.FlightLeg]):
    """A leg; `departure_at` defaults to tomorrow 08:00 UTC, 2 h long."""

    class Meta:
        model = models.FlightLeg

    airline = factory.SubFactory(AirlineFactory)
    flight_number = factory.Sequence(lambda n: f"XX{100 + n}")
    origin = factory.SubFactory(AirportFactory)
    destination = factory.SubFactory(AirportFactory)
    departure_at = factory.LazyFunction(
        lambda: (
            datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=1)
        )
    )
    arrival_at = factory.LazyAttribute(lambda o: o.departure_at + timedelta(hours=2))
    distance_km = 1000


class FlightFareFactory(DjangoModelFactory[models.FlightFare]):
    class Meta:
        model = models.FlightFare

    leg = factory.SubFactory(FlightLegFactory)
    cabin = models.Cabin.ECONOMY
    price = Decimal("100.00")
    currency = "USD"
    seats_total = 150
    seats_available = factory.LazyAttribute(lambda o: o.seats_total)
    checked_bags = 1
    cabin_bags = 1
    refundable = False
    change_fee = Decimal("75.00")


class AmenityFactory(DjangoModelFactory[models.Amenity]):
    class Meta:
        model = models.Amenity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"amenity-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class HotelFactory(DjangoModelFactory[models.Hotel]):
    class Meta:
        model = models.Hotel
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Hotel {n}")
    city = factory.SubFactory(CityFactory)
    address = "1 Rue de Test"
    latitude = factory.LazyAttribute(lambda o: o.city.latitude)
    longitude = factory.LazyAttribute(lambda o: o.city.longitude)
    stars = 3
    description = "A comfortable hotel."
    currency = factory.LazyAttribute(lambda o: o.city.currency)
    free_cancellation_days = 2

    @factory.post_generation
    def amenities(self, create, extracted, **kwargs):
        if create and extracted:
            for code in extracted:
                self.amenities.add(AmenityFactory.create(code=code))


class RoomTypeFactory(DjangoModelFactory[models.RoomType]):
    class Meta:
        model = models.RoomType

    hotel = factory.SubFactory(HotelFactory)
    name = "Double room"
    capacity = 2
    beds = "1 double bed"


class RoomNightFactory(DjangoModelFactory[models.RoomNight]):
    class Meta:
        model = models.RoomNight

    room_type = factory.SubFactory(RoomTypeFactory)
    city = factory.LazyAttribute(lambda o: o.room_type.hotel.city)
    date = factory.LazyFunction(lambda: datetime.now(UTC).date() + timedelta(days=1))
    price = Decimal("120.00")
    rooms_total = 10
    rooms_available = factory.LazyAttribute(lambda o: o.rooms_total)


class CarVendorFactory(DjangoModelFactory[models.CarVendor]):
    class Meta:
        model = models.CarVendor
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"V{n}")
    name = factory.Sequence(lambda n: f"Vendor {n}")


class RentalOfficeFactory(DjangoModelFactory[models.RentalOffice]):
    class Meta:
        model = models.RentalOffice

    vendor = factory.SubFactory(CarVendorFactory)
    airport = factory.SubFactory(AirportFactory)
    name = factory.LazyAttribute(lambda o: f"{o.vendor.name} {o.airport.iata}")
    latitude = factory.LazyAttribute(lambda o: o.airport.latitude)
    longitude = factory.LazyAttribute(lambda o: o.airport.longitude)
    currency = "EUR"


class RentalCarFactory(DjangoModelFactory[models.RentalCar]):
    class Meta:
        model = models.RentalCar

    office = factory.SubFactory(RentalOfficeFactory)
    car_class = models.CarClass.COMPACT
    model_name = "VW Golf"
    seats = 5
    doors = 5
    bags = 2
    transmission = models.Transmission.MANUAL


class CarDayFactory(DjangoModelFactory[models.CarDay]):
    class Meta:
        model = models.CarDay

    car = factory.SubFactory(RentalCarFactory)
    date = factory.LazyFunction(lambda: datetime.now(UTC).date() + timedelta(days=1))
    price = Decimal("45.00")
    cars_total = 5
    cars_available = factory.LazyAttribute(lambda o: o.cars_total)


def room_nights(room_type: models.RoomType, start, nights: int, **kwargs) -> list[models.RoomNight]:
    """One RoomNight per night from `start`, same kwargs for each."""
    return [
        RoomNightFactory.create(room_type=room_type, date=start + timedelta(days=i), **kwargs)
        for i in range(nights)
    ]


def car_days(car: models.RentalCar, start, days: int, **kwargs) -> list[models.CarDay]:
    """One CarDay per day from `start`, same kwargs for each."""
    return [
        CarDayFactory.create(car=car, date=start + timedelta(days=i), **kwargs) for i in range(days)
    ]


def flight_fare(origin, destination, departure_at, *, minutes=120, **kwargs) -> models.FlightFare:
    """A fare on a new leg from `origin` to `destination` leaving at `departure_at` (UTC).

    `leg__…` kwargs go to the leg (flight_number, airline, is_cancelled…), the rest to the fare.
    """
    return FlightFareFactory.create(
        leg__origin=origin,
        leg__destination=destination,
        leg__departure_at=departure_at,
        leg__arrival_at=departure_at + timedelta(minutes=minutes),
        **kwargs,
    )
