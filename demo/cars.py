"""Rental offices of real vendors at every airport, their cars and per-day inventory."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from catalog.models import Airport, CarDay, CarVendor, RentalCar, RentalOffice, Transmission
from demo import reference
from demo.common import (
    bulk_insert,
    cost_level,
    days_from,
    local_price,
    rng_for,
    season_factor,
)

# Countries where an automatic is what a renter gets unless they ask.
AUTOMATIC_COUNTRIES = frozenset({"US", "CA", "AU", "NZ", "JP", "AE", "QA", "SG", "HK", "KR"})


def load_cars(
    *,
    airports: list[Airport],
    currencies: dict[str, str],
    start: date,
    days: int,
    seed: int,
    progress: Callable[[int], object],
    expect: Callable[[int], object] | None = None,
) -> tuple[int, int, int]:
    """`expect` hears the number of car days once known, before they are written."""
    rng = rng_for(seed, "cars")
    vendors = CarVendor.objects.bulk_create(
        [CarVendor(code=code, name=name) for code, name in reference.CAR_VENDORS]
    )
    offices = []
    for airport in airports:
        for vendor in sorted(rng.sample(vendors, rng.randint(2, 4)), key=lambda v: v.code):
            bearing = rng.uniform(0, 2 * math.pi)
            offices.append(
                RentalOffice(
                    vendor=vendor,
                    airport=airport,
                    name=f"{vendor.name} {airport.city.name} Airport ({airport.iata})",
                    latitude=round(airport.latitude + 0.004 * math.cos(bearing), 6),
                    longitude=round(airport.longitude + 0.004 * math.sin(bearing), 6),
                    currency=currencies[airport.country_code],
                )
            )
    RentalOffice.objects.bulk_create(offices)
    classes = list(reference.CAR_KINDS)
    cars = []
    for office in offices:
        automatic_first = office.airport.country_code in AUTOMATIC_COUNTRIES
        for car_class in sorted(rng.sample(classes, rng.randint(4, 7)), key=classes.index):
            models, seats, doors, bags, _usd = reference.CAR_KINDS[car_class]
            big = car_class in ("premium", "luxury", "suv", "van", "fullsize")
            transmissions = [
                Transmission.AUTOMATIC if automatic_first or big else Transmission.MANUAL
            ]
            if not automatic_first and not big and rng.random() < 0.4:
                transmissions.append(Transmission.AUTOMATIC)
            for transmission in transmissions:
                cars.append(
                    RentalCar(
                        office=office,
                        car_class=car_class,
                        model_name=rng.choice(models),
                        seats=seats,
                        doors=doors,
                        bags=bags,
                        transmission=transmission,
                        unlimited_mileage=rng.random() < 0.8,
                    )
                )
    RentalCar.objects.bulk_create(cars, batch_size=1000)
    day_rng = rng_for(seed, "car-days")
    dates = days_from(start, days)

    def rows():
        for car in cars:
            office = car.office
            usd_day = (
                reference.CAR_KINDS[car.car_class][4]
                * cost_level(office.airport.country_code)
                * (1.1 if car.transmission == Transmission.AUTOMATIC else 1.0)
                * day_rng.uniform(0.85, 1.2)
            )
            total = day_rng.randint(2, 15)
            for day in dates:
                weekend = 1.1 if day.weekday() in (4, 5, 6) else 1.0
                usd = usd_day * weekend * season_factor(day, office.latitude)
                sold_out = day_rng.random() < 0.05
                yield CarDay(
                    car=car,
                    date=day,
                    price=local_price(usd * day_rng.uniform(0.97, 1.03), office.currency),
                    cars_total=total,
                    cars_available=0 if sold_out else total - day_rng.randint(0, total - 1),
                )

    if expect:
        expect(len(cars) * len(dates))
    car_days = bulk_insert(CarDay, rows(), progress)
    return len(offices), len(cars), car_days
