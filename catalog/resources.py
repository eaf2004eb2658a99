"""The catalog and its inventory as spreadsheets (django-import-export resources).

Rows are named by natural keys, never by database ids, so a file exported from one
database imports into another and re-importing a file finds the rows it made: a hotel by
its code, a room type by its hotel's and its own code, an office by vendor code and
airport, a car by its office, class and transmission, a flight by number and departure
(UTC), an inventory row by its line and its date (a fare: its flight and cabin). A column
that names a row's parent (`hotel` next to `room_type`) is read with it.

Inventory rows (room nights, car days, fares) are changed under the bulk change's rules,
by its code (catalog.services): the rows a file names are locked in primary-key order
before any is read, the new values are judged by `cell_change` (allotment never below
what is sold or held, prices within range and rounded to the currency's minor unit), and
`available` follows the allotment. A row the rules refuse is an error of that row.

Unchanged rows are skipped, so importing the same file twice changes nothing the second
time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model
from import_export import fields, resources, widgets

from catalog import models
from catalog.selectors import Cell
from catalog.services import PRICE_MAX, BulkChange, cell_change, inventory_rows_lock
from travelguru.money import quantize

EVERY_WEEKDAY = frozenset(range(1, 8))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's number
        value = int(value)
    return str(value).strip()


def _utc(value: Any) -> datetime:
    """A UTC instant from ISO 8601 text ("2026-12-06T10:30Z") or a spreadsheet's date-time
    (no zone: read as UTC, which is how this file writes them)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(_text(value))
        except ValueError:
            raise ValueError(f"{_text(value)!r} is not a date-time (2026-12-06T10:30Z)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class StrictBooleanWidget(widgets.BooleanWidget):
    """Yes or no, and anything else an error: the library's widget reads "yes" as false."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:
        text = _text(value).lower()
        if text in ("1", "true", "yes"):
            return True
        if text in ("0", "false", "no"):
            return False
        if text == "":
            return None
        raise ValueError(f"{value!r} is neither true nor false")


class KeyWidget(widgets.ForeignKeyWidget):
    """A foreign key named by one or more columns of the row (its natural key).

    `parts` are (lookup path on the related model, column, how the column is read). Found
    rows are remembered for the import: a file names few lines many times."""

    def __init__(
        self,
        model: type[Model],
        parts: list[tuple[str, str, Callable[[Any], Any]]],
        render: Callable[[Any], str],
    ) -> None:
        super().__init__(model, field=parts[-1][0])
        self.parts = parts
        self.render_key = render
        self.found: dict[tuple[Any, ...], Any] = {}
        self.by_pk: dict[Any, Any] = {}

    def key(self, row: Any) -> tuple[Any, ...]:
        values = []
        for _, column, read in self.parts:
            value = row.get(column)
            if _text(value) == "":
                raise ValueError(f"{column} is missing")
            values.append(read(value))
        return tuple(values)

    def preload(self, rows: Iterable[Any]) -> None:
        """Find every row's key in one query (a superset, matched here)."""
        keys = set()
        for row in rows:
            try:
                keys.add(self.key(row))
            except ValueError:
                continue  # reported when the row is imported
        if not keys:
            return
        lookups = {f"{path}__in": {k[i] for k in keys} for i, (path, _, _) in enumerate(self.parts)}
        related = {path.rsplit("__", 1)[0] for path, _, _ in self.parts if "__" in path}
        for obj in self.model.objects.filter(**lookups).select_related(*related):
            self.found[self.key_of(obj)] = obj
            self.by_pk[obj.pk] = obj

    def key_of(self, obj: Any) -> tuple[Any, ...]:
        values = []
        for path, _, _ in self.parts:
            value = obj
            for attr in path.split("__"):
                value = getattr(value, attr)
            values.append(value)
        return tuple(values)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        key = self.key(row)
        if key not in self.found:
            found = self.model.objects.filter(
                **dict(zip((p for p, _, _ in self.parts), key, strict=True))
            ).first()
            if found is None:
                named = ", ".join(f"{c} {_text(row.get(c))}" for _, c, _ in self.parts)
                raise ValueError(f"no {self.model._meta.verbose_name} with {named}")
            self.found[key] = self.by_pk[found.pk] = found
        return self.found[key]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.render_key(value)


def _missing(exc: Exception) -> str:
    """A lookup's failure as staff read it (not Django's "matching query does not exist")."""
    if isinstance(exc, ObjectDoesNotExist):
        return str(exc).replace(" matching query does not exist.", " not found")
    return str(exc)


def _key_field(attribute: str, column: str, widget: KeyWidget) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widget)


def _parent(attribute: str, column: str, render: Callable[[Any], Any] = str) -> fields.Field:
    """A column read with a key (the row's parent's name): exported, not imported alone."""
    return fields.Field(
        attribute=attribute, column_name=column, readonly=True,
        widget=widgets.Widget(coerce_to_string=True),
    )  # fmt: skip


class CatalogResource(resources.ModelResource):
    """A catalog table: created or updated by natural key, unchanged rows skipped."""

    key_widgets: ClassVar[tuple[str, ...]] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
        skip_html_diff = True

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        try:
            return super().get_instance(instance_loader, row)
        except (ValueError, ObjectDoesNotExist) as exc:
            raise ValidationError({self.get_import_id_fields()[0]: _missing(exc)}) from None

    def import_field(
        self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any
    ) -> None:
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ObjectDoesNotExist as exc:
            raise ValueError(_missing(exc)) from None
        except ArithmeticError:  # DecimalWidget's InvalidOperation
            raise ValueError(f"{row.get(field.column_name)!r} is not a number") from None

    def key_widget(self, name: str) -> KeyWidget:
        widget = self.fields[name].widget
        if not isinstance(widget, KeyWidget):
            raise TypeError(f"{name} is not named by a key")
        return widget

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        for name in self.key_widgets:
            self.key_widget(name).preload(dataset.dict)


def _hotel_widget() -> KeyWidget:
    return KeyWidget(models.Hotel, [("code", "hotel", _text)], lambda h: h.code)


def _office_widget() -> KeyWidget:
    return KeyWidget(
        models.RentalOffice,
        [("vendor__code", "vendor", _text), ("airport__iata", "airport", _text)],
        lambda o: o.airport.iata,
    )


class HotelResource(CatalogResource):
    city = fields.Field(
        attribute="city", column_name="city_geonameid",
        widget=widgets.ForeignKeyWidget(models.City, "geonameid"),
    )  # fmt: skip
    is_published = fields.Field(
        attribute="is_published", column_name="is_published", widget=StrictBooleanWidget()
    )

    class Meta(CatalogResource.Meta):
        model = models.Hotel
        import_id_fields = ["code"]
        fields = [
            "code", "name", "city", "address", "latitude", "longitude", "stars", "currency",
            "check_in_time", "check_out_time", "free_cancellation_days", "is_published",
        ]  # fmt: skip


class RoomTypeResource(CatalogResource):
    key_widgets = ("hotel",)
    hotel = _key_field("hotel", "hotel", _hotel_widget())
    breakfast_included = fields.Field(
        attribute="breakfast_included", column_name="breakfast_included",
        widget=StrictBooleanWidget(),
    )  # fmt: skip
    is_published = fields.Field(
        attribute="is_published", column_name="is_published", widget=StrictBooleanWidget()
    )

    class Meta(CatalogResource.Meta):
        model = models.RoomType
        import_id_fields = ["hotel", "code"]
        fields = [
            "hotel", "code", "name", "capacity", "beds", "size_m2", "breakfast_included",
            "is_published",
        ]  # fmt: skip


class RentalOfficeResource(CatalogResource):
    vendor = fields.Field(
        attribute="vendor", column_name="vendor",
        widget=widgets.ForeignKeyWidget(models.CarVendor, "code"),
    )  # fmt: skip
    airport = fields.Field(
        attribute="airport", column_name="airport",
        widget=widgets.ForeignKeyWidget(models.Airport, "iata"),
    )  # fmt: skip
    is_published = fields.Field(
        attribute="is_published", column_name="is_published", widget=StrictBooleanWidget()
    )

    class Meta(CatalogResource.Meta):
        model = models.RentalOffice
        import_id_fields = ["vendor", "airport"]
        fields = [
            "vendor", "airport", "name", "latitude", "longitude", "opens_at", "closes_at",
            "currency", "is_published",
        ]  # fmt: skip


class RentalCarResource(CatalogResource):
    key_widgets = ("office",)
    vendor = _parent("office__vendor__code", "vendor")
    office = _key_field("office", "airport", _office_widget())
    is_published = fields.Field(
        attribute="is_published", column_name="is_published", widget=StrictBooleanWidget()
    )

    class Meta(CatalogResource.Meta):
        model = models.RentalCar
        import_id_fields = ["office", "car_class", "transmission"]
        fields = [
            "vendor", "office", "car_class", "transmission", "model_name", "seats", "doors",
            "bags", "air_conditioning", "unlimited_mileage", "is_published",
        ]  # fmt: skip


class UtcWidget(widgets.Widget):
    """Instants as ISO 8601 UTC text, whatever the server's zone."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime | None:
        return None if _text(value) == "" and not isinstance(value, datetime) else _utc(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else _utc_text(value)


class FlightLegResource(CatalogResource):
    """Flight schedules: one row per flight and day (a route is its origin and destination)."""

    airline = fields.Field(
        attribute="airline", column_name="airline",
        widget=widgets.ForeignKeyWidget(models.Airline, "iata"),
    )  # fmt: skip
    origin = fields.Field(
        attribute="origin", column_name="origin",
        widget=widgets.ForeignKeyWidget(models.Airport, "iata"),
    )  # fmt: skip
    destination = fields.Field(
        attribute="destination", column_name="destination",
        widget=widgets.ForeignKeyWidget(models.Airport, "iata"),
    )  # fmt: skip
    departure_at = fields.Field(
        attribute="departure_at", column_name="departure_at", widget=UtcWidget()
    )
    arrival_at = fields.Field(attribute="arrival_at", column_name="arrival_at", widget=UtcWidget())

    class Meta(CatalogResource.Meta):
        model = models.FlightLeg
        import_id_fields = ["flight_number", "departure_at"]
        fields = [
            "flight_number", "departure_at", "airline", "origin", "destination", "arrival_at",
            "distance_km", "aircraft", "is_cancelled",
        ]  # fmt: skip


# --- inventory ----------------------------------------------------------------------------


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
    stop_sell = fields.Field(
        attribute="stop_sell", column_name="stop_sell", widget=StrictBooleanWidget(),
        saves_null_values=False,
    )  # fmt: skip

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
        [("hotel__code", "hotel", _text), ("code", "room_type", _text)],
        lambda rt: rt.code,
    )


class RoomNightResource(InventoryResource):
    kind = "hotel"
    line = "room_type"
    day = "date"
    total = "rooms_total"
    available = "rooms_available"
    hotel = _parent("room_type__hotel__code", "hotel")
    room_type = _key_field("room_type", "room_type", _room_type_widget())
    date = fields.Field(attribute="date", column_name="date", widget=widgets.DateWidget())
    price = fields.Field(attribute="price", column_name="price", widget=widgets.DecimalWidget())
    min_stay = fields.Field(
        attribute="min_stay", column_name="min_stay", widget=widgets.IntegerWidget(),
        saves_null_values=False,
    )  # fmt: skip

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


def _car_widget() -> KeyWidget:
    return KeyWidget(
        models.RentalCar,
        [
            ("office__vendor__code", "vendor", _text),
            ("office__airport__iata", "airport", _text),
            ("car_class", "car_class", _text),
            ("transmission", "transmission", _text),
        ],  # fmt: skip
        lambda car: car.transmission,
    )


class CarDayResource(InventoryResource):
    kind = "office"
    line = "car"
    day = "date"
    total = "cars_total"
    available = "cars_available"
    vendor = _parent("car__office__vendor__code", "vendor")
    airport = _parent("car__office__airport__iata", "airport")
    car_class = _parent("car__car_class", "car_class")
    car = _key_field("car", "transmission", _car_widget())
    date = fields.Field(attribute="date", column_name="date", widget=widgets.DateWidget())
    price = fields.Field(attribute="price", column_name="price", widget=widgets.DecimalWidget())

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
        [("flight_number", "flight_number", _text), ("departure_at", "departure_at", _utc)],
        lambda leg: _utc_text(leg.departure_at),
    )


class FlightFareResource(InventoryResource):
    kind = "route"
    line = "leg"
    day = "cabin"
    total = "seats_total"
    available = "seats_available"
    flight_number = _parent("leg__flight_number", "flight_number")
    leg = _key_field("leg", "departure_at", _leg_widget())
    cabin = fields.Field(attribute="cabin", column_name="cabin", widget=widgets.Widget())
    price = fields.Field(attribute="price", column_name="price", widget=widgets.DecimalWidget())
    currency = fields.Field(attribute="currency", column_name="currency", widget=widgets.Widget())

    class Meta(InventoryResource.Meta):
        model = models.FlightFare
        import_id_fields = ["leg", "cabin"]
        fields = [
            "flight_number", "leg", "cabin", "price", "currency", "allotment", "sold", "stop_sell",
        ]  # fmt: skip

    def _day_of(self, row: Any) -> Any:
        cabin = _text(row.get("cabin"))
        if cabin not in models.Cabin.values:
            raise ValueError(f"cabin {cabin!r} is not one of {', '.join(models.Cabin.values)}")
        return cabin

    def currency_of(self, instance: Any) -> str:
        return instance.currency


# What staff import and export, by name: the job's `kind`.
RESOURCES: dict[str, type[CatalogResource]] = {
    "hotels": HotelResource,
    "room_types": RoomTypeResource,
    "rental_offices": RentalOfficeResource,
    "cars": RentalCarResource,
    "flights": FlightLegResource,
    "room_nights": RoomNightResource,
    "car_days": CarDayResource,
    "fares": FlightFareResource,
}
