"""Inventory rows as spreadsheets (room nights, car days, fares), changed under the bulk
change's rules: see catalog.resources."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from catalog import models
from catalog.resources.keys import (
    CatalogResource,
    KeyWidget,
    StrictBooleanWidget,
    column,
    key_field,
    parent_column,
    text,
    utc,
    utc_text,
)
from catalog.selectors import Cell
from catalog.services import PRICE_MAX, BulkChange, cell_change, inventory_rows_lock
from travelguru.money import quantize

EVERY_WEEKDAY = frozenset(range(1, 8))


class InventoryResource(CatalogResource):
    """Rows of an inventory table: price, allotment, stop-sell (and a night's minimum stay),
    changed under the bulk change's rules, the rows locked first."""

    kind: ClassVar[str]  # catalog.selectors.INVENTORY's
    line: ClassVar[str]  # the foreign key naming the row's line
    day: ClassVar[str]  # the other half of its key (date; a fare's cabin)
    total: ClassVar[str]
    available: ClassVar[str]

    allotment = fields.Field(column_name="allotment", widget=widgets.IntegerWidget())
    sold = fields.Field(column_name="sold", readonly=True, widget=widgets.IntegerWidget())
    # An empty cell keeps the row's value (a new row: the column's default).
    stop_sell = column("stop_sell", StrictBooleanWidget(), saves_null_values=False)

    class Meta(CatalogResource.Meta):
        # The library's diff reads every column of a copy of each row; import_instance keeps
        # the row's locked values instead, and skip_row compares with them.
        skip_diff = True
        use_bulk = True
        # bulk_update writes a CASE of every row of its batch for each row: cost grows with
        # the square of the batch.
        batch_size = 100
        # Checked here and by the database's constraints; a full_clean per row would read
        # each row's line again.
        clean_model_instances = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["allotment"].attribute = self.total
        self.fields["sold"].attribute = None
        self.existing: dict[tuple[Any, Any], Any] = {}
        self.before: Cell | None = None  # the row being imported, as it was

    def dehydrate_sold(self, obj: Any) -> int:
        return getattr(obj, self.total) - getattr(obj, self.available)

    def _day_of(self, row: Any) -> Any:
        return self.fields[self.day].clean(row)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Find every line the file names, then lock (on a real import) every existing row
        of those lines and days in primary-key order, read under the lock."""
        super().before_import(dataset, **kwargs)
        line_widget = self.key_widget(self.line)
        line_widget.preload(dataset.dict)
        lines = {obj.pk for obj in line_widget.found.values()}
        days = set()
        for row in dataset.dict:
            try:
                days.add(self._day_of(row))
            except (ValueError, KeyError):
                continue
        if not lines or not days:
            return
        model = self._meta.model
        rows = model.objects.filter(**{f"{self.line}_id__in": lines, f"{self.day}__in": days})
        found = list(rows.order_by("pk")) if kwargs.get("dry_run") else inventory_rows_lock(rows)
        for row in found:  # its line as found, parents and all: no query per row
            setattr(row, self.line, line_widget.by_pk[getattr(row, f"{self.line}_id")])
        self.existing = {(getattr(r, f"{self.line}_id"), getattr(r, self.day)): r for r in found}

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        try:
            line = self.fields[self.line].clean(row)
        except ValueError as exc:
            raise ValidationError({self.line: str(exc)}) from None
        try:
            day = self._day_of(row)
        except ValueError as exc:
            raise ValidationError({self.day: str(exc)}) from None
        return self.existing.get((line.pk, day))

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        before = self.before = self._cell(instance) if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        total = getattr(instance, self.total)
        if total is None or total < 0:
            raise ValidationError({"allotment": "Give the allotment (0 or more)."})
        if instance.price is None:
            raise ValidationError({"price": "Give the price."})
        if before is None:  # a new row: nothing sold yet
            instance.price = quantize(instance.price, self.currency_of(instance))
            if not 0 <= instance.price <= PRICE_MAX:
                raise ValidationError({"price": f"price {instance.price} out of range"})
            setattr(instance, self.available, total)
            return
        # The bulk change's rule for this one row: set the price, the allotment, the sale
        # and the minimum stay to the file's values.
        min_stay = getattr(instance, "min_stay", None)
        change = BulkChange(
            start=before.day, end=before.day, weekdays=EVERY_WEEKDAY,
            price_mode="set", price_value=instance.price, allotment=total,
            sale="close" if instance.stop_sell else "open", min_stay=min_stay,
        )  # fmt: skip
        outcome = cell_change(before, change)
        if outcome is not None and outcome.refused:
            field = "price" if outcome.refused.startswith("price") else "allotment"
            raise ValidationError({field: outcome.refused})
        after = {} if outcome is None else outcome.after
        instance.price = after.get("price", before.price)
        setattr(instance, self.available, after.get("available", before.available))

    def _cell(self, instance: Any) -> Cell:
        return Cell(
            pk=instance.pk, line="", day=getattr(instance, "date", date.min),
            price=instance.price, currency=self.currency_of(instance),
            total=getattr(instance, self.total), available=getattr(instance, self.available),
            stop_sell=instance.stop_sell, min_stay=getattr(instance, "min_stay", None),
        )  # fmt: skip

    def currency_of(self, instance: Any) -> str:
        raise NotImplementedError

    def line_of(self, instance: Any) -> Any:
        """The row's line as the file's keys found it (its parents read with it): no
        query per row."""
        found = self.key_widget(self.line).by_pk.get(getattr(instance, f"{self.line}_id"))
        return found if found is not None else getattr(instance, self.line)

    def get_bulk_update_fields(self) -> list[str]:
        names = ["price", self.total, self.available, "stop_sell"]
        return [*names, "min_stay"] if self.kind == "hotel" else names

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        before = self.before
        if import_validation_errors or before is None:
            return False
        return (instance.price, getattr(instance, self.total), getattr(instance, self.available),
                instance.stop_sell, getattr(instance, "min_stay", None)) == (
            before.price, before.total, before.available, before.stop_sell, before.min_stay
        )  # fmt: skip


def _room_type_widget() -> KeyWidget:
    return KeyWidget(
        models.RoomType,
        [("hotel__code", "hotel", text), ("code", "room_type", text)],
        lambda rt: rt.code,
    )


class RoomNightResource(InventoryResource):
    kind = "hotel"
    line = "room_type"
    day = "date"
    total = "rooms_total"
    available = "rooms_available"
    hotel = parent_column("room_type__hotel__code", "hotel")
    room_type = key_field("room_type", "room_type", _room_type_widget())
    date = column("date", widgets.DateWidget())
    price = column("price", widgets.DecimalWidget())
    min_stay = column("min_stay", widgets.IntegerWidget(), saves_null_values=False)

    class Meta(InventoryResource.Meta):
        model = models.RoomNight
        import_id_fields = ["room_type", "date"]
        fields = [
            "hotel",
            "room_type",
            "date",
            "price",
            "allotment",
            "sold",
            "stop_sell",
            "min_stay",
        ]

    def currency_of(self, instance: Any) -> str:
        return self.line_of(instance).hotel.currency

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        # A new night is its hotel's city's; an existing one keeps its own (moved with its
        # hotel by catalog.services.room_nights_place, and not a column bulk_update writes).
        if instance.pk is None:
            instance.city_id = self.line_of(instance).hotel.city_id


def _car_widget() -> KeyWidget:
    return KeyWidget(
        models.RentalCar,
        [
            ("office__vendor__code", "vendor", text),
            ("office__airport__iata", "airport", text),
            ("car_class", "car_class", text),
            ("transmission", "transmission", text),
        ],  # fmt: skip
        lambda car: car.transmission,
    )


class CarDayResource(InventoryResource):
    kind = "office"
    line = "car"
    day = "date"
    total = "cars_total"
    available = "cars_available"
    vendor = parent_column("car__office__vendor__code", "vendor")
    airport = parent_column("car__office__airport__iata", "airport")
    car_class = parent_column("car__car_class", "car_class")
    car = key_field("car", "transmission", _car_widget())
    date = column("date", widgets.DateWidget())
    price = column("price", widgets.DecimalWidget())

    class Meta(InventoryResource.Meta):
        model = models.CarDay
        import_id_fields = ["car", "date"]
        fields = [
            "vendor", "airport", "car_class", "car", "date", "price", "allotment", "sold",
            "stop_sell",
        ]  # fmt: skip

    def currency_of(self, instance: Any) -> str:
        return self.line_of(instance).office.currency


def _leg_widget() -> KeyWidget:
    return KeyWidget(
        models.FlightLeg,
        [("flight_number", "flight_number", text), ("departure_at", "departure_at", utc)],
        lambda leg: utc_text(leg.departure_at),
    )


class FlightFareResource(InventoryResource):
    kind = "route"
    line = "leg"
    day = "cabin"
    total = "seats_total"
    available = "seats_available"
    flight_number = parent_column("leg__flight_number", "flight_number")
    leg = key_field("leg", "departure_at", _leg_widget())
    cabin = column("cabin", widgets.Widget())
    price = column("price", widgets.DecimalWidget())
    currency = column("currency", widgets.Widget())

    class Meta(InventoryResource.Meta):
        model = models.FlightFare
        import_id_fields = ["leg", "cabin"]
        fields = [
            "flight_number", "leg", "cabin", "price", "currency", "allotment", "sold", "stop_sell",
        ]  # fmt: skip

    def _day_of(self, row: Any) -> Any:
        cabin = text(row.get("cabin"))
        if cabin not in models.Cabin.values:
            raise ValueError(f"cabin {cabin!r} is not one of {', '.join(models.Cabin.values)}")
        return cabin

    def currency_of(self, instance: Any) -> str:
        return instance.currency


# What staff import and export, by name: the job's `kind`.
