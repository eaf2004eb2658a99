"""Reads of the catalog with business meaning: rates and availability by month.

A revenue manager looks at one hotel (room types x nights), one rental office (cars x
days) or one route (flights x days) a month at a time. The grid costs a bounded number
of queries whatever the month's length or the number of lines: the lines in one query,
the inventory cells in one more (a route's lines come from its cells: one query).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import Model

from catalog.models import (
    Airport,
    Cabin,
    CarDay,
    FlightFare,
    Hotel,
    RentalCar,
    RentalOffice,
    RoomNight,
    RoomType,
)

GridKind = Literal["hotel", "office", "route"]
# Per kind: the inventory model, its count columns and the search answers that show it.
INVENTORY: dict[str, tuple[type[RoomNight] | type[CarDay] | type[FlightFare], str, str, str]] = {
    "hotel": (RoomNight, "rooms_total", "rooms_available", "hotel"),
    "office": (CarDay, "cars_total", "cars_available", "car"),
    "route": (FlightFare, "seats_total", "seats_available", "flight"),
}
_CABIN_ORDER = {cabin: i for i, cabin in enumerate(Cabin.values)}


@dataclass(frozen=True, slots=True)
class Scope:
    """What one grid shows: a hotel, a rental office, or a route between two airports."""

    kind: GridKind
    hotel: Hotel | None = None
    office: RentalOffice | None = None
    origin: Airport | None = None
    destination: Airport | None = None

    @property
    def title(self) -> str:
        if self.kind == "route":
            origin, destination = self.route
            return f"{origin.iata} → {destination.iata}"
        return str(self.hotel if self.kind == "hotel" else self.office)

    @property
    def route(self) -> tuple[Airport, Airport]:
        if self.origin is None or self.destination is None:
            raise ValueError("a route's scope names both airports")
        return self.origin, self.destination

    @property
    def place(self) -> Hotel | RentalOffice:
        """The hotel or office of a hotel's or an office's scope."""
        found = self.hotel if self.kind == "hotel" else self.office
        if found is None:
            raise ValueError(f"a {self.kind}'s scope names it")
        return found

    @property
    def model(self) -> type[Model]:
        return INVENTORY[self.kind][0]


@dataclass(frozen=True, slots=True)
class Cell:
    """One inventory row as the grid shows it. `line` is the row's key in the grid, `day`
    the place's own date (a flight's: its departure date at the origin)."""

    pk: int
    line: str
    day: date
    price: Decimal
    currency: str
    total: int
    available: int
    stop_sell: bool
    min_stay: int | None = None  # hotels only

    @property
    def sold(self) -> int:
        """Units sold or held (what staff may not take back)."""
        return self.total - self.available

    @property
    def state(self) -> str:
        """closed (stop-sell), sold-out, low (a fifth or less left) or open."""
        if self.stop_sell:
            return "closed"
        if self.available == 0:
            return "sold-out"
        if self.available * 5 <= self.total:
            return "low"
        return "open"


@dataclass(frozen=True, slots=True)
class Line:
    key: str
    label: str


@dataclass
class Grid:
    scope: Scope
    month: date  # its first day
    lines: list[Line]
    days: list[date]
    cells: dict[tuple[str, date], Cell] = field(default_factory=dict)

    @property
    def previous_month(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> date:
        return month_end(self.month)

    def rows(self) -> list[tuple[Line, list[Cell | None]]]:
        return [(line, [self.cells.get((line.key, d)) for d in self.days]) for line in self.lines]


def month_end(month: date) -> date:
    """The first day of the month after `month`'s."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def rates_grid(*, scope: Scope, month: date) -> Grid:
    """The grid of `scope` for the month of `month`: every line, every day, every cell."""
    first = month.replace(day=1)
    end = month_end(first)
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    cells = inventory_cells(scope=scope, start=first, end=end)
    lines = (
        _route_lines(cells)
        if scope.kind == "route"
        else inventory_lines(scope=scope, start=first, end=end)
    )
    return Grid(
        scope=scope,
        month=first,
        lines=lines,
        days=days,
        cells={(c.line, c.day): c for c in cells},
    )


def inventory_lines(*, scope: Scope, start: date, end: date) -> list[Line]:
    """The grid's lines: room types or cars (one query); a route's come from its cells."""
    if scope.kind == "hotel":
        room_types = RoomType.objects.filter(hotel=scope.hotel).order_by("capacity", "name", "pk")
        return [Line(str(pk), name) for pk, name in room_types.values_list("pk", "name")]
    if scope.kind == "office":
        cars = RentalCar.objects.filter(office=scope.office).order_by("car_class", "pk")
        return [
            Line(str(pk), f"{model_name} ({car_class}, {transmission})")
            for pk, model_name, car_class, transmission in cars.values_list(
                "pk", "model_name", "car_class", "transmission"
            )
        ]
    return _route_lines(inventory_cells(scope=scope, start=start, end=end))


def _route_lines(cells: Sequence[Cell]) -> list[Line]:
    keys = sorted({c.line for c in cells}, key=lambda k: (k.split()[0], _CABIN_ORDER[k.split()[1]]))
    return [Line(key, key.replace("_", " ")) for key in keys]


def inventory_cells(
    *, scope: Scope, start: date, end: date, lines: Collection[str] | None = None
) -> list[Cell]:
    """Cells of `scope` from `start` to `end` (exclusive), of `lines` only if given; one
    query. Read without locks: a change re-reads the rows it locks."""
    if scope.kind == "hotel":
        hotel = scope.place
        nights = RoomNight.objects.filter(
            room_type__hotel_id=hotel.pk, date__gte=start, date__lt=end
        )
        if lines is not None:
            nights = nights.filter(room_type_id__in=[int(k) for k in lines])
        currency = hotel.currency
        return [
            Cell(pk, str(rt), day, price, currency, total, left, stop, min_stay)
            for pk, rt, day, price, total, left, stop, min_stay in nights.order_by(
                "room_type_id", "date"
            ).values_list(
                "pk",
                "room_type_id",
                "date",
                "price",
                "rooms_total",
                "rooms_available",
                "stop_sell",
                "min_stay",
            )  # fmt: skip
        ]
    if scope.kind == "office":
        office = scope.place
        car_days = CarDay.objects.filter(car__office_id=office.pk, date__gte=start, date__lt=end)
        if lines is not None:
            car_days = car_days.filter(car_id__in=[int(k) for k in lines])
        currency = office.currency
        return [
            Cell(pk, str(car), day, price, currency, total, left, stop)
            for pk, car, day, price, total, left, stop in car_days.order_by(
                "car_id", "date"
            ).values_list(
                "pk", "car_id", "date", "price", "cars_total", "cars_available", "stop_sell"
            )
        ]
    return _route_cells(scope, start, end, lines)


def _route_cells(scope: Scope, start: date, end: date, lines: Collection[str] | None) -> list[Cell]:
    # A leg's day is its departure date at the origin: read a day more on each side in
    # UTC, then keep the legs whose local date falls in the range.
    origin, destination = scope.route
    zone = ZoneInfo(origin.timezone)
    fares = FlightFare.objects.filter(
        leg__origin_id=origin.pk,
        leg__destination_id=destination.pk,
        leg__departure_at__gte=datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC),
        leg__departure_at__lt=datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC),
    ).order_by("leg__departure_at", "pk")
    cells = []
    for pk, number, cabin, departure_at, price, currency, total, left, stop in fares.values_list(
        "pk", "leg__flight_number", "cabin", "leg__departure_at", "price", "currency",
        "seats_total", "seats_available", "stop_sell",
    ):  # fmt: skip
        day = departure_at.astimezone(zone).date()
        line = f"{number} {cabin}"
        if start <= day < end and (lines is None or line in lines):
            cells.append(Cell(pk, line, day, price, currency, total, left, stop))
    return cells
