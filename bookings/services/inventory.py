"""The one place bookings lock, take and give back catalog inventory.

Rows are locked with an *evaluated* `SELECT … FOR UPDATE` (a lazy queryset locks nothing),
table by table in a fixed order (fares, room nights, car days) and by primary key within a
table, so two transactions never wait on each other in a cycle. MySQL/MariaDB bound the
wait with `innodb_lock_wait_timeout` (3 s, set per connection in settings), SQLite with
its busy timeout; either way a lock not had in time becomes `InventoryBusy` (503), never
a hang or a 500. Counts are then changed with `F()` updates in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import cast

from django.db import OperationalError
from django.db.models import F
from django.db.models.functions import Least

from bookings.errors import InventoryBusy
from bookings.models import HoldUnit
from catalog.models import CarDay, FlightFare, RoomNight
from travelguru.results_cache import inventory_changed

# The inventory tables, and a row of one of them.
InventoryModel = type[FlightFare] | type[RoomNight] | type[CarDay]
InventoryRow = FlightFare | RoomNight | CarDay

# Lock order across tables; never lock in another order.
LOCK_ORDER: tuple[InventoryModel, ...] = (FlightFare, RoomNight, CarDay)
AVAILABLE: dict[InventoryModel, str] = {
    FlightFare: "seats_available",
    RoomNight: "rooms_available",
    CarDay: "cars_available",
}
TOTAL: dict[InventoryModel, str] = {
    FlightFare: "seats_total",
    RoomNight: "rooms_total",
    CarDay: "cars_total",
}
# Which HoldUnit column points at each inventory table.
UNIT_FIELD: dict[InventoryModel, str] = {
    FlightFare: "fare_id",
    RoomNight: "room_night_id",
    CarDay: "car_day_id",
}
# MySQL/MariaDB error numbers: lock wait timeout, deadlock. SQLite: "database is locked".
_BUSY_CODES = {1205, 1213}


@contextmanager
def lock_wait_bounded() -> Iterator[None]:
    """Turn a lock not obtained in time into InventoryBusy."""
    try:
        yield
    except OperationalError as exc:
        code = exc.args[0] if exc.args else None
        if code in _BUSY_CODES or "locked" in str(exc):
            raise InventoryBusy() from exc
        raise


def inventory_lock(
    wanted: Mapping[InventoryModel, Iterable[int]],
) -> dict[InventoryModel, dict[int, InventoryRow]]:
    """Lock the rows, in LOCK_ORDER and primary-key order; returns them re-read."""
    locked: dict[InventoryModel, dict[int, InventoryRow]] = {}
    with lock_wait_bounded():
        for model in LOCK_ORDER:
            ids = sorted(set(wanted.get(model, ())))
            if not ids:
                continue
            # mypy types a manager reached through a union of models as the base Model's.
            rows = cast(
                "list[InventoryRow]",
                list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk")),
            )
            locked[model] = {row.pk: row for row in rows}
    return locked


def inventory_take(takes: Iterable[tuple[InventoryModel, int, int]]) -> None:
    """Decrement (model, row id, units); callers hold the locks and checked availability."""
    for model, ids_by_units in _grouped(takes).items():
        inventory_changed(model)  # cached search answers: unreachable once committed
        field = AVAILABLE[model]
        for units, ids in ids_by_units.items():
            with lock_wait_bounded():
                model.objects.filter(pk__in=ids).update(**{field: F(field) - units})


def inventory_give_back(gives: Iterable[tuple[InventoryModel, int, int]]) -> None:
    """Increment (model, row id, units), never above the row's total (staff may have
    lowered it meanwhile). Callers hold the locks."""
    for model, ids_by_units in _grouped(gives).items():
        inventory_changed(model)  # cached search answers: unreachable once committed
        field, total = AVAILABLE[model], TOTAL[model]
        for units, ids in ids_by_units.items():
            with lock_wait_bounded():
                model.objects.filter(pk__in=ids).update(
                    **{field: Least(F(field) + units, F(total))}
                )


def _grouped(
    changes: Iterable[tuple[InventoryModel, int, int]],
) -> dict[InventoryModel, dict[int, list[int]]]:
    """model -> units -> row ids, summing units per row first; in LOCK_ORDER."""
    per_row: dict[tuple[InventoryModel, int], int] = defaultdict(int)
    for model, pk, units in changes:
        per_row[(model, pk)] += units
    grouped: dict[InventoryModel, dict[int, list[int]]] = {}
    for model in LOCK_ORDER:
        by_units: dict[int, list[int]] = defaultdict(list)
        for (m, pk), units in sorted(per_row.items(), key=lambda kv: kv[0][1]):
            if m is model:
                by_units[units].append(pk)
        if by_units:
            grouped[model] = dict(by_units)
    return grouped


def units_give_back(units: Iterable[HoldUnit]) -> None:
    """Lock and give back what these hold units took; the caller's transaction commits."""
    gives = [
        (model, getattr(unit, field), unit.units)
        for unit in units
        for model, field in UNIT_FIELD.items()
        if getattr(unit, field) is not None
    ]
    wanted: dict[InventoryModel, list[int]] = defaultdict(list)
    for model, pk, _ in gives:
        wanted[model].append(pk)
    inventory_lock(wanted)
    inventory_give_back(gives)
