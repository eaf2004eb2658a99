"""Load the whole demo catalog: `manage.py load_demo_data` calls `load_demo`."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import (
    Airline,
    Airport,
    Amenity,
    CarDay,
    CarVendor,
    City,
    FlightFare,
    FlightLeg,
    Hotel,
    RentalCar,
    RentalOffice,
    RoomNight,
    RoomType,
)
from demo.cars import load_cars
from demo.flights import load_airlines, load_flights
from demo.hotels import load_amenities, load_hotels
from demo.places import load_places
from demo.users import ensure_demo_users
from travelguru.sql import Table

# Children before parents, so that plain DELETEs never trip a foreign key.
CATALOG_TABLES = (
    CarDay, RentalCar, RentalOffice, CarVendor,
    RoomNight, RoomType, Hotel.amenities.through, Hotel, Amenity,
    FlightFare, FlightLeg, Airline.hubs.through, Airline,
    Airport, City,
)  # fmt: skip


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    users_created: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        width = max(map(len, self.counts))
        rows = [f"  {name:<{width}}  {n:>9,}" for name, n in self.counts.items()]
        total = sum(self.counts.values())
        return [*rows, f"  {'total rows':<{width}}  {total:>9,}  in {self.seconds:.1f}s"]


def catalog_is_empty() -> bool:
    return not Airport.objects.exists()


def _dependent_tables() -> tuple:
    """Everything that points at the catalog: trips and their reviews (children first)."""
    from bookings import models as b
    from reviews import models as r

    return (
        r.HelpfulVote, r.ReviewReply, r.Review, r.RatingAggregate, r.ManagedProperty,
        b.Refund, b.Payment, b.SandboxRefund, b.SandboxCharge, b.Traveler, b.BookingItem,
        b.Booking, b.IdempotencyRecord, b.HoldUnit, b.HoldItem, b.Hold,
    )  # fmt: skip


def wipe_catalog() -> None:
    """Delete the catalog and every hold, booking and review that refers to it."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (*_dependent_tables(), *CATALOG_TABLES):
            cursor.execute(f"DELETE FROM {Table(model)}")  # noqa: S608 # nosec B608


def _bar(desc: str, show: bool):
    """A progress bar on stderr (when it is a terminal): rows written, and once the builder
    says how many it will write (`_expect`), the share done and the time left."""
    from tqdm import tqdm

    return tqdm(
        desc=f"{desc:<8}",
        unit=" rows",
        unit_scale=True,
        disable=None if show else True,
        file=sys.stderr,
    )


def _expect(bar):
    def told(total: int) -> None:
        bar.total = total
        bar.refresh()

    return told


def load_demo(
    *,
    scale: int = 1,
    seed: int = 42,
    days: int = 120,
    start: date | None = None,
    progress: bool = True,
) -> LoadReport:
    """Load airports, cities, flights, hotels and cars for `days` days from `start` (today, UTC)."""
    started = time.perf_counter()
    start = start or timezone.now().date()
    report = LoadReport()
    with transaction.atomic():
        cities, airports = load_places()
        by_code = {a.iata: a for a in airports}
        airlines = load_airlines(by_code)
        with _bar("flights", progress) as bar:
            legs, fares = load_flights(
                airports=by_code, airlines=airlines, start=start, days=days,
                scale=scale, seed=seed, progress=bar.update, expect=_expect(bar),
            )  # fmt: skip
        amenities = load_amenities()
        with _bar("hotels", progress) as bar:
            hotels, room_types, nights = load_hotels(
                cities=cities, amenities=amenities, start=start, days=days,
                scale=scale, seed=seed, progress=bar.update, expect=_expect(bar),
            )  # fmt: skip
        currencies = {c.country_code: c.currency for c in cities}
        with _bar("cars", progress) as bar:
            offices, cars, car_days = load_cars(
                airports=airports, currencies=currencies, start=start, days=days,
                seed=seed, progress=bar.update, expect=_expect(bar),
            )  # fmt: skip
        report.users_created = ensure_demo_users()
    report.counts = {
        "cities": len(cities),
        "airports": len(airports),
        "airlines": len(airlines),
        "flight legs": legs,
        "fares": fares,
        "hotels": hotels,
        "room types": room_types,
        "room nights": nights,
        "rental offices": offices,
        "rental cars": cars,
        "car days": car_days,
    }
    analyze()
    report.seconds = time.perf_counter() - started
    return report


def analyze() -> None:
    """Fresh statistics after a bulk load: the search query plans depend on them."""
    if connection.in_atomic_block:
        # MySQL commits the open transaction implicitly on ANALYZE TABLE: never inside one.
        return
    tables = [Table(model).name for model in CATALOG_TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute(f"ANALYZE TABLE {', '.join(tables)}")
            cursor.fetchall()
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
