"""The catalog in the Django admin: searchable, filterable, with inlines.

Inventory tables are large (hundreds of thousands of rows): foreign keys to them use
autocomplete or raw ids, lists select their related rows in the same query, and
inventory inlines show the coming weeks only.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from catalog import models, references
from catalog.admin_imports import SpreadsheetExport
from catalog.admin_rates import HotelRates, OfficeRates, RouteRates
from catalog.services import room_nights_place
from travelguru.results_cache import results_changed

INLINE_DAYS = 60


class CatalogAdmin(admin.ModelAdmin):
    """Every write through the admin makes cached search answers unreachable once committed
    (travelguru.results_cache): a price, a room, a schedule or a name edited shows in the next
    search (an airport's or airline's name, in another process, within
    `catalog.references.REFERENCE_TTL_SECONDS`)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and isinstance(obj, models.Hotel | models.RoomType):
            # Moved to another city (hotel) or hotel (room type): its nights follow.
            room_nights_place(hotel_ids=[obj.pk if isinstance(obj, models.Hotel) else obj.hotel_id])
        _catalog_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _catalog_changed()


def _catalog_changed() -> None:
    """Once committed: no cached search answer is used, and this process reads airports' and
    airlines' names again (`catalog.references`; other processes within its TTL)."""
    results_changed()
    references.forget_after_commit()


class UpcomingInline(admin.TabularInline):
    """Per-day inventory of the next INLINE_DAYS days (older and later rows: list pages)."""

    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        today = timezone.now().date()
        return (
            super()
            .get_queryset(request)
            .filter(date__gte=today, date__lt=today + timedelta(days=INLINE_DAYS))
        )


@admin.register(models.City)
class CityAdmin(CatalogAdmin):
    list_display = ["name", "country_code", "country_name", "population", "timezone", "currency"]
    list_filter = ["country_code", "currency"]
    search_fields = ["name", "country_name", "=country_code"]
    ordering = ["-population"]


@admin.register(models.Airport)
class AirportAdmin(CatalogAdmin):
    list_display = ["iata", "name", "city", "country_code", "timezone", "traffic_rank", "is_active"]
    list_filter = ["is_active", "country_code"]
    search_fields = ["=iata", "=icao", "name", "city__name", "city_name"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]
    ordering = ["traffic_rank", "iata"]


@admin.register(models.Airline)
class AirlineAdmin(CatalogAdmin):
    list_display = ["iata", "name", "country_code", "economy_checked_bags"]
    list_filter = ["country_code"]
    search_fields = ["=iata", "name"]
    filter_horizontal = ["hubs"]


class FlightFareInline(admin.TabularInline):
    model = models.FlightFare
    extra = 0
    fields = [
        "cabin", "price", "currency", "seats_total", "seats_available",
        "checked_bags", "cabin_bags", "refundable", "change_fee",
    ]  # fmt: skip


@admin.register(models.FlightLeg)
class FlightLegAdmin(SpreadsheetExport, RouteRates, CatalogAdmin):
    kind = "flights"
    list_display = [
        "flight_number", "airline", "origin", "destination", "departure_at", "arrival_at",
        "distance_km", "is_cancelled",
    ]  # fmt: skip
    list_filter = ["is_cancelled", "airline", ("departure_at", admin.DateFieldListFilter)]
    search_fields = ["=flight_number", "=origin__iata", "=destination__iata"]
    list_select_related = ["airline", "origin", "destination"]
    autocomplete_fields = ["airline", "origin", "destination"]
    date_hierarchy = "departure_at"
    inlines = [FlightFareInline]
    show_full_result_count = False


@admin.register(models.FlightFare)
class FlightFareAdmin(SpreadsheetExport, CatalogAdmin):
    kind = "fares"
    list_display = [
        "leg", "cabin", "price", "currency", "seats_available", "seats_total", "stop_sell",
    ]  # fmt: skip
    list_filter = ["cabin", "refundable", "stop_sell", "leg__airline"]
    search_fields = ["=leg__flight_number"]
    list_select_related = ["leg"]
    raw_id_fields = ["leg"]
    show_full_result_count = False


@admin.register(models.Amenity)
class AmenityAdmin(CatalogAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class RoomTypeInline(admin.TabularInline):
    model = models.RoomType
    extra = 0
    fields = ["name", "capacity", "beds", "size_m2", "breakfast_included", "is_published"]
    show_change_link = True


@admin.register(models.Hotel)
class HotelAdmin(SpreadsheetExport, HotelRates, CatalogAdmin):
    kind = "hotels"
    list_display = ["name", "code", "city", "stars", "currency", "is_published", "updated_at"]
    list_filter = ["is_published", "stars", "city__country_code"]
    search_fields = ["=code", "name", "city__name", "address"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]
    filter_horizontal = ["amenities"]
    inlines = [RoomTypeInline]


class RoomNightForm(forms.ModelForm):
    """A night is its room type's hotel's city's (never chosen: it is a copy)."""

    class Meta:
        model = models.RoomNight
        fields = ["room_type", "date", "price", "rooms_total", "rooms_available", "stop_sell",
                  "min_stay"]  # fmt: skip

    def save(self, commit: bool = True) -> models.RoomNight:
        self.instance.city_id = self.instance.room_type.hotel.city_id
        return super().save(commit)


class RoomNightInline(UpcomingInline):
    model = models.RoomNight
    form = RoomNightForm
    fields = ["date", "price", "rooms_total", "rooms_available"]


@admin.register(models.RoomType)
class RoomTypeAdmin(SpreadsheetExport, CatalogAdmin):
    kind = "room_types"
    list_display = ["name", "hotel", "capacity", "breakfast_included", "is_published"]
    list_filter = ["is_published", "capacity", "breakfast_included"]
    search_fields = ["name", "hotel__name"]
    list_select_related = ["hotel"]
    autocomplete_fields = ["hotel"]
    inlines = [RoomNightInline]


@admin.register(models.RoomNight)
class RoomNightAdmin(SpreadsheetExport, CatalogAdmin):
    kind = "room_nights"
    form = RoomNightForm
    list_display = [
        "room_type", "date", "price", "rooms_available", "rooms_total", "stop_sell", "min_stay",
    ]  # fmt: skip
    list_filter = [("date", admin.DateFieldListFilter), "stop_sell"]
    search_fields = ["room_type__hotel__name"]
    list_select_related = ["room_type__hotel"]
    raw_id_fields = ["room_type"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(models.CarVendor)
class CarVendorAdmin(CatalogAdmin):
    list_display = ["code", "name"]
    search_fields = ["=code", "name"]


class RentalCarInline(admin.TabularInline):
    model = models.RentalCar
    extra = 0
    fields = ["car_class", "model_name", "seats", "doors", "bags", "transmission", "is_published"]
    show_change_link = True


@admin.register(models.RentalOffice)
class RentalOfficeAdmin(SpreadsheetExport, OfficeRates, CatalogAdmin):
    kind = "rental_offices"
    list_display = ["name", "vendor", "airport", "currency", "is_published"]
    list_filter = ["is_published", "vendor", "airport__country_code"]
    search_fields = ["name", "=airport__iata", "vendor__name"]
    list_select_related = ["vendor", "airport"]
    autocomplete_fields = ["vendor", "airport"]
    inlines = [RentalCarInline]


class CarDayInline(UpcomingInline):
    model = models.CarDay
    fields = ["date", "price", "cars_total", "cars_available"]


@admin.register(models.RentalCar)
class RentalCarAdmin(SpreadsheetExport, CatalogAdmin):
    kind = "cars"
    list_display = ["model_name", "car_class", "transmission", "office", "is_published"]
    list_filter = ["is_published", "car_class", "transmission", "office__vendor"]
    search_fields = ["model_name", "office__name", "=office__airport__iata"]
    list_select_related = ["office"]
    autocomplete_fields = ["office"]
    inlines = [CarDayInline]


@admin.register(models.CarDay)
class CarDayAdmin(SpreadsheetExport, CatalogAdmin):
    kind = "car_days"
    list_display = ["car", "date", "price", "cars_available", "cars_total", "stop_sell"]
    list_filter = [("date", admin.DateFieldListFilter), "stop_sell", "car__car_class"]
    search_fields = ["=car__office__airport__iata", "car__model_name"]
    list_select_related = ["car__office__vendor", "car__office__airport"]
    raw_id_fields = ["car"]
    date_hierarchy = "date"
    show_full_result_count = False
