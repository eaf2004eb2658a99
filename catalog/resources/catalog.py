"""The catalog's own tables as spreadsheets: hotels, room types, offices, cars, flights."""

from __future__ import annotations

from typing import Any

from import_export import fields, widgets

from catalog import models
from catalog.resources.keys import (
    CatalogResource,
    KeyWidget,
    StrictBooleanWidget,
    UtcWidget,
    column,
    key_field,
    parent_column,
    text,
)
from catalog.services import room_nights_place


def _hotel_widget() -> KeyWidget:
    return KeyWidget(models.Hotel, [("code", "hotel", text)], lambda h: h.code)


def _office_widget() -> KeyWidget:
    return KeyWidget(
        models.RentalOffice,
        [("vendor__code", "vendor", text), ("airport__iata", "airport", text)],
        lambda o: o.airport.iata,
    )


class HotelResource(CatalogResource):
    city = fields.Field(
        attribute="city", column_name="city_geonameid",
        widget=widgets.ForeignKeyWidget(models.City, "geonameid"),
    )  # fmt: skip
    is_published = column("is_published", StrictBooleanWidget())

    class Meta(CatalogResource.Meta):
        model = models.Hotel
        import_id_fields = ["code"]
        fields = [
            "code", "name", "city", "address", "latitude", "longitude", "stars", "currency",
            "check_in_time", "check_out_time", "free_cancellation_days", "is_published",
        ]  # fmt: skip

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().after_save_instance(instance, row, **kwargs)
        room_nights_place(hotel_ids=[instance.pk])  # moved to another city: its nights too


class RoomTypeResource(CatalogResource):
    key_widgets = ("hotel",)
    hotel = key_field("hotel", "hotel", _hotel_widget())
    breakfast_included = column("breakfast_included", StrictBooleanWidget())
    is_published = column("is_published", StrictBooleanWidget())

    class Meta(CatalogResource.Meta):
        model = models.RoomType
        import_id_fields = ["hotel", "code"]
        fields = [
            "hotel", "code", "name", "capacity", "beds", "size_m2", "breakfast_included",
            "is_published",
        ]  # fmt: skip

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().after_save_instance(instance, row, **kwargs)
        room_nights_place(hotel_ids=[instance.hotel_id])  # moved to another hotel: its nights


class RentalOfficeResource(CatalogResource):
    vendor = column("vendor", widgets.ForeignKeyWidget(models.CarVendor, "code"))
    airport = column("airport", widgets.ForeignKeyWidget(models.Airport, "iata"))
    is_published = column("is_published", StrictBooleanWidget())

    class Meta(CatalogResource.Meta):
        model = models.RentalOffice
        import_id_fields = ["vendor", "airport"]
        fields = [
            "vendor", "airport", "name", "latitude", "longitude", "opens_at", "closes_at",
            "currency", "is_published",
        ]  # fmt: skip


class RentalCarResource(CatalogResource):
    key_widgets = ("office",)
    vendor = parent_column("office__vendor__code", "vendor")
    office = key_field("office", "airport", _office_widget())
    is_published = column("is_published", StrictBooleanWidget())

    class Meta(CatalogResource.Meta):
        model = models.RentalCar
        import_id_fields = ["office", "car_class", "transmission"]
        fields = [
            "vendor", "office", "car_class", "transmission", "model_name", "seats", "doors",
            "bags", "air_conditioning", "unlimited_mileage", "is_published",
        ]  # fmt: skip


class FlightLegResource(CatalogResource):
    """Flight schedules: one row per flight and day (a route is its origin and destination)."""

    airline = column("airline", widgets.ForeignKeyWidget(models.Airline, "iata"))
    origin = column("origin", widgets.ForeignKeyWidget(models.Airport, "iata"))
    destination = column("destination", widgets.ForeignKeyWidget(models.Airport, "iata"))
    departure_at = column("departure_at", UtcWidget())
    arrival_at = column("arrival_at", UtcWidget())

    class Meta(CatalogResource.Meta):
        model = models.FlightLeg
        import_id_fields = ["flight_number", "departure_at"]
        fields = [
            "flight_number", "departure_at", "airline", "origin", "destination", "arrival_at",
            "distance_km", "aircraft", "is_cancelled",
        ]  # fmt: skip
