"""Writes of the catalog with business meaning: rates and availability changed in bulk.

A revenue manager changes a hotel's, an office's or a route's inventory over a date range
and a weekday pattern: price (set, add, or adjust by a percentage), allotment, sale
closed or open, minimum stay (hotels). `rates_bulk_preview` lists what would change,
before -> after; `rates_bulk_apply` does it in one transaction with the rows locked (one
evaluated `SELECT … FOR UPDATE`, primary-key order, the same order holds lock them in)
and computed again from the locked values, so a hold taken meanwhile is counted.
Allotment never drops below what is sold or held: such rows are reported and left as
they are. The change is audited, and travelers' next search sees it (the search cache
versions of its kind are bumped once committed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from django.db import OperationalError, transaction
from django.db.models import QuerySet

from audit.services import AuditTarget, audit_record
from catalog.models import Hotel, RoomNight
from catalog.selectors import INVENTORY, Cell, Scope, inventory_cells
from travelguru.errors import DomainError
from travelguru.money import quantize
from travelguru.results_cache import results_changed

PriceMode = Literal["", "set", "add", "percent"]
# The price columns' bound (max_digits=12, decimal_places=2).
PRICE_MAX = Decimal("9999999999.99")
# MySQL/MariaDB: lock wait timeout, deadlock. SQLite: "database is locked".
_BUSY_CODES = {1205, 1213}
_Row = TypeVar("_Row")


class RatesBusy(DomainError):
    code = "rates-busy"
    status = 503
    title = "The inventory is being changed by someone else; try again"


@dataclass(frozen=True, slots=True)
class BulkChange:
    """What to change, on which days (`start` to `end` inclusive, ISO weekdays 1-7 in
    `weekdays`) and lines (None: every line of the scope). Empty parts change nothing."""

    start: date
    end: date
    weekdays: frozenset[int]
    lines: frozenset[str] | None = None
    price_mode: PriceMode = ""
    price_value: Decimal | None = None
    allotment: int | None = None
    sale: Literal["", "close", "open"] = ""
    min_stay: int | None = None


@dataclass(frozen=True, slots=True)
class RowChange:
    """One cell's change: the changed fields before and after, or why it is refused."""

    cell: Cell
    before: dict[str, Any]
    after: dict[str, Any]
    refused: str = ""


@dataclass(frozen=True)
class BulkResult:
    changed: list[RowChange]
    refused: list[RowChange]


def cell_change(cell: Cell, change: BulkChange) -> RowChange | None:
    """What `change` does to `cell` (None: nothing). Refused as a whole when the new price
    would be negative or too large, or the allotment below what is sold or held."""
    after: dict[str, Any] = {}
    refused = ""
    if change.price_mode and change.price_value is not None:
        price = _new_price(cell.price, change.price_mode, change.price_value, cell.currency)
        if price < 0 or price > PRICE_MAX:
            refused = f"price {price} out of range"
        elif price != cell.price:
            after["price"] = price
    if change.allotment is not None and change.allotment != cell.total:
        if change.allotment < cell.sold:
            refused = refused or f"allotment {change.allotment} is below {cell.sold} sold or held"
        else:
            after["total"] = change.allotment
            after["available"] = change.allotment - cell.sold
    if change.sale and (change.sale == "close") != cell.stop_sell:
        after["stop_sell"] = change.sale == "close"
    if change.min_stay is not None and cell.min_stay not in (None, change.min_stay):
        after["min_stay"] = change.min_stay
    if refused:
        return RowChange(cell, {}, {}, refused)
    if not after:
        return None
    return RowChange(cell, {name: getattr(cell, name) for name in after}, after)


def _new_price(old: Decimal, mode: PriceMode, value: Decimal, currency: str) -> Decimal:
    if mode == "set":
        new = value
    elif mode == "add":
        new = old + value
    else:
        new = old * (1 + value / 100)
    return quantize(new, currency)  # the currency's minor unit, half up


def _in_pattern(cell: Cell, change: BulkChange) -> bool:
    return change.start <= cell.day <= change.end and cell.day.isoweekday() in change.weekdays


def _cells(scope: Scope, change: BulkChange) -> list[Cell]:
    cells = inventory_cells(
        scope=scope, start=change.start, end=change.end + timedelta(days=1), lines=change.lines
    )
    return [c for c in cells if _in_pattern(c, change)]


def _changes(cells: Sequence[Cell], change: BulkChange) -> list[RowChange]:
    return [row for row in (cell_change(c, change) for c in cells) if row is not None]


def rates_bulk_preview(*, scope: Scope, change: BulkChange) -> list[RowChange]:
    """What `change` would do now (rows read without locks; applying reads them again)."""
    return _changes(_cells(scope, change), change)


def inventory_rows_lock(rows: QuerySet[Any, _Row]) -> list[_Row]:
    """Lock `rows` of an inventory table in primary-key order (the order holds lock them in,
    so no deadlock) and return them, read under the lock: the one place the catalog locks
    inventory (the bulk change and imports).

    Raises RatesBusy when they stay locked past the database's lock wait."""
    try:
        return list(rows.select_for_update().order_by("pk"))
    except OperationalError as exc:
        code = exc.args[0] if exc.args else None
        if code in _BUSY_CODES or "locked" in str(exc):
            raise RatesBusy() from exc
        raise


def _rows_lock(scope: Scope, cells: Sequence[Cell]) -> list[Cell]:
    """Lock the cells' rows in primary-key order (evaluated) and re-read them."""
    model, total, available, _ = INVENTORY[scope.kind]
    by_pk = {c.pk: c for c in cells}
    columns = ["pk", "price", total, available, "stop_sell"]
    if scope.kind == "hotel":
        columns.append("min_stay")
    rows = inventory_rows_lock(model.objects.filter(pk__in=sorted(by_pk)).values_list(*columns))
    locked = []
    for pk, price, row_total, row_available, stop_sell, *min_stay in rows:
        locked.append(
            replace(
                by_pk[pk],
                price=price,
                total=row_total,
                available=row_available,
                stop_sell=stop_sell,
                min_stay=min_stay[0] if min_stay else None,
            )
        )
    return locked


def rates_bulk_apply(
    *, scope: Scope, change: BulkChange, actor: Any, now: datetime, reason: str = ""
) -> BulkResult:
    """Apply `change` in one transaction; rows it may not change are reported, untouched.

    Raises RatesBusy when the rows stay locked past the database's lock wait."""
    model, total, available, search_kind = INVENTORY[scope.kind]
    with transaction.atomic():
        rows = _changes(_rows_lock(scope, _cells(scope, change)), change)
        changed = [r for r in rows if not r.refused]
        refused = [r for r in rows if r.refused]
        names = {"price": "price", "total": total, "available": available,
                 "stop_sell": "stop_sell", "min_stay": "min_stay"}  # fmt: skip
        fields = sorted({names[name] for row in changed for name in row.after})
        columns = {names[name]: name for name in names}
        objects = []
        for row in changed:
            # Every changed field is written to every row: a row not changing it gets its
            # locked value back.
            obj = model(pk=row.cell.pk)
            for column in fields:
                name = columns[column]
                setattr(obj, column, row.after.get(name, getattr(row.cell, name)))
            objects.append(obj)
        if objects:
            model.objects.bulk_update(objects, fields, batch_size=500)  # type: ignore[arg-type]
            results_changed(search_kind)  # travelers' next search sees it, once committed
        audit_record(
            actor=actor,
            action="rates.bulk_change",
            target=_audit_target(scope),
            now=now,
            reason=reason,
            details={
                "change": _describe(change),
                "changed": len(changed),
                "refused": [{"id": r.cell.pk, "why": r.refused} for r in refused],
            },
        )
    return BulkResult(changed=changed, refused=refused)


def _audit_target(scope: Scope) -> Any:
    if scope.kind != "route":
        return scope.place
    origin, destination = scope.route
    key = f"{origin.iata}-{destination.iata}"
    return AuditTarget("catalog.route", key, scope.title)


def _describe(change: BulkChange) -> dict[str, Any]:
    return {
        "start": change.start.isoformat(),
        "end": change.end.isoformat(),
        "weekdays": sorted(change.weekdays),
        "lines": sorted(change.lines) if change.lines is not None else None,
        "price_mode": change.price_mode,
        "price_value": str(change.price_value) if change.price_value is not None else None,
        "allotment": change.allotment,
        "sale": change.sale,
        "min_stay": change.min_stay,
    }


def room_nights_place(*, hotel_ids: Sequence[int]) -> int:
    """Copy each of these hotels' city onto its room types' nights where it differs (a hotel
    moved to another city, a room type moved to another hotel); the number of nights moved.

    A night's `city` is what the price calendar finds a city's cheapest nights by: one left
    behind would be missing from its city's calendar. Runs in the caller's transaction."""
    moved = 0
    for hotel_id, city_id in Hotel.objects.filter(pk__in=hotel_ids).values_list("pk", "city_id"):
        moved += (
            RoomNight.objects.filter(room_type__hotel_id=hotel_id)
            .exclude(city_id=city_id)
            .update(city_id=city_id)
        )
    if moved:
        results_changed("hotel")
    return moved
