"""Car search: offices from the engine, cars free on every day of the rental from the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Min, Sum

from catalog.local_time import day_end, rental_sold_until, started_detail
from catalog.models import Airport, CarClass, CarDay, RentalCar
from reviews.models import Subject
from reviews.selectors import ratings_json_map
from search.engines import get_engine
from travelguru.errors import InvalidInput
from travelguru.money import Money

SORTS = ("price", "-price", "class")
_CLASS_ORDER = {value: i for i, value in enumerate(CarClass.values)}


@dataclass(frozen=True)
class Rental:
    pick_up: date
    drop_off: date

    @property
    def days(self) -> int:
        return (self.drop_off - self.pick_up).days


@dataclass(frozen=True)
class CarResult:
    car: RentalCar
    rental: Rental
    price: Money
    available: int
    # When the office closes on the pick-up day, on its clock (catalog.local_time).
    sold_until: datetime | None = None
    vendor_rating: dict | None = None  # the vendor's full public rating

    @property
    def price_per_day(self) -> Money:
        return Money.of(self.price.amount / self.rental.days, self.price.currency)


def car_offers_list(
    *,
    airport_code: str | None = None,
    office_id: int | None = None,
    rental: Rental,
    car_classes: Sequence[str] = (),
    transmission: str | None = None,
    sort: str = "price",
    now: datetime,
) -> list[CarResult]:
    """Every car of the airport's offices (or of one office) with one free on each day from
    pick-up to drop-off, at an office still open on the pick-up day at `now` (its clock).
    Raises InvalidInput for an unknown airport or office, or a pick-up day already over at
    the airport."""
    if office_id is not None:
        airport = (
            Airport.objects.filter(rental_offices=office_id, rental_offices__is_published=True)
            .values("iata", "timezone")
            .first()
        )
        if airport is None:
            raise InvalidInput("Unknown rental office.", field="office")
        offices = [office_id]
    else:
        airport = (
            Airport.objects.filter(iata=airport_code, is_active=True)
            .values("iata", "timezone")
            .first()
        )
        if airport is None:
            raise InvalidInput("Unknown airport code.", field="location")
        offices = [hit.office_id for hit in get_engine().car_offices(airport_code=airport_code)]
    # The pick-up day is the airport's date: over there (it may be tomorrow already) is a
    # clear 400; an office closed for the day only drops its own cars (below).
    if now >= day_end(rental.pick_up, airport["timezone"]):
        raise InvalidInput(
            started_detail(
                event=f"Pick-up on {rental.pick_up.isoformat()}", place=airport["iata"],
                tz_name=airport["timezone"], now=now,
            ),
            field="pick_up",
        )  # fmt: skip
    if not offices:
        return []
    days = CarDay.objects.filter(
        car__office_id__in=offices,
        car__is_published=True,
        car__office__is_published=True,
        date__gte=rental.pick_up,
        date__lt=rental.drop_off,
        cars_available__gte=1,
        stop_sell=False,
    )
    if car_classes:
        days = days.filter(car__car_class__in=list(car_classes))
    if transmission:
        days = days.filter(car__transmission=transmission)
    free: dict[int, tuple[Decimal, int]] = {
        car_id: (total, fewest)
        for car_id, total, fewest in days.values("car_id")
        .annotate(n=Count("id"), total=Sum("price"), fewest=Min("cars_available"))
        .filter(n=rental.days)
        .values_list("car_id", "total", "fewest")
    }
    cars = RentalCar.objects.filter(pk__in=list(free)).select_related(
        "office__vendor", "office__airport"
    )
    cars = list(cars)
    ratings = ratings_json_map(
        subject=Subject.CAR_VENDOR, subject_ids={car.office.vendor_id for car in cars}
    )
    closing = {
        car.office_id: rental_sold_until(
            pick_up=rental.pick_up, opens_at=car.office.opens_at,
            closes_at=car.office.closes_at, tz_name=car.office.airport.timezone,
        )
        for car in cars
    }  # fmt: skip
    results = [
        CarResult(
            car=car,
            rental=rental,
            price=Money.of(free[car.pk][0], car.office.currency),
            available=free[car.pk][1],
            sold_until=closing[car.office_id],
            vendor_rating=ratings[car.office.vendor_id],
        )
        for car in cars
        if now < closing[car.office_id]
    ]
    keys = {
        "price": lambda r: (r.price.currency, r.price.amount, r.car.pk),
        "-price": lambda r: (r.price.currency, -r.price.amount, r.car.pk),
        "class": lambda r: (_CLASS_ORDER[r.car.car_class], r.price.amount, r.car.pk),
    }
    results.sort(key=keys[sort])
    return results
